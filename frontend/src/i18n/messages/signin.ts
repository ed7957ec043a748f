// (A literal "|" in vue-i18n's syntax: a bare one separates plural forms.)
const CONVERT_P12 = "openssl pkcs12 -in old.p12 -nodes {'|'} openssl pkcs12 -export -out new.p12";
const CONVERT_KEY = 'openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem';

export default {
  zh: {
    signIn: {
      title: '证书登录',
      intro: '请使用您的数字证书登录。私钥只在本浏览器中用于签名登录挑战，不会发送到任何地方，也不会被保存。',
      needed: '您要访问的页面需要先登录，登录后将自动返回。',
      current: '当前登录', until: '有效期至 {at}', continue: '继续',
      files: '使用证书文件登录',
      mode: { legend: '您的证书和私钥如何保存？', pair: '证书和私钥是两个文件', pkcs12: '一个 PKCS#12 文件（.p12 / .pfx）' },
      cert: '数字证书（PEM 或 DER）', key: '私钥（PEM：PKCS#8、加密的 PKCS#8、PKCS#1 或 SEC1）',
      pkcs12: 'PKCS#12 文件（含证书和私钥）', chosen: '已选择：{name}',
      password: '私钥口令（私钥加密时填写）', pkcs12Password: 'PKCS#12 文件口令',
      submit: '登录',
      keyNote: '支持 RSA、ECDSA P-256 和 SM2（国密）私钥。私钥在签名后即被丢弃。',
      mtls: {
        title: '使用本连接的证书登录',
        explain: '如果浏览器在建立本 HTTPS 连接时已出示您的客户端证书（如 USB 证书或系统证书库中的证书），可直接用它登录，无需选择文件。',
        submit: '使用本连接的证书登录',
      },
    },
    session: { signInAgain: '重新登录', until: '到期时间：{at}' },
    local: {
      chooseFiles: '请先选择证书和私钥文件。',
      choosePkcs12: '请先选择 PKCS#12 文件（.p12 或 .pfx）。',
      noWebCrypto: '此浏览器在本页面不能使用 WebCrypto（页面须通过 HTTPS 或本机地址访问）。',
      malformed: '文件无法解析：不是有效的 DER 结构。', notPem: '私钥文件不是 PEM 文本。',
      keyNotPem: '私钥文件是 DER 格式，请先转换为 PEM：openssl pkey -inform DER -in key.der -out key.pem',
      noPrivateKey: '文件中没有私钥。',
      legacyEncrypted: `私钥采用 OpenSSL 旧式 PEM 加密，请转换为 PKCS#8：${CONVERT_KEY}`,
      legacyEncryption: `私钥采用旧式加密（PBES1、3DES 或 RC2），浏览器无法打开，请转换：${CONVERT_KEY}`,
      needPassword: '文件已加密，请输入口令。', wrongPassword: '口令不正确，无法打开此文件。',
      keyEncryption: '私钥的加密方式浏览器无法打开（支持 PBES2：PBKDF2 与 AES-CBC）。',
      keyKind: '这里只能使用 RSA、EC（P-256、P-384）或 SM2 私钥。', notCertificate: '文件中没有 X.509 证书。',
      notPkcs12: '此文件不是 PKCS#12 文件（.p12 / .pfx）。',
      pkcs12Unsupported: '此 PKCS#12 文件的保护方式不受支持（支持口令保护：HMAC 或 PBMAC1 完整性校验，PBES2 加密）。',
      legacyPkcs12: `此 PKCS#12 文件使用旧式加密（3DES 或 RC2），浏览器无法打开。请用 OpenSSL 3 按现代默认方式重新导出后再选择新文件：${CONVERT_P12}`,
    },
    problems: {
      'certificate-rejected': {
        title: '证书登录被拒绝',
        explain: '平台未接受此证书或签名：证书可能未通过验证（过期、已吊销、签发机构不受信任），或私钥与证书不匹配。',
      },
      unauthenticated: {
        title: '未登录或登录已失效',
        explain: '登录挑战已过期或无效，或本连接没有客户端证书。请重试。',
      },
    },
  },
  en: {
    signIn: {
      title: 'Sign in with a certificate',
      intro: 'Sign in with your digital certificate. The private key is used only in this browser, to sign the sign-in challenge; it is never sent anywhere and never stored.',
      needed: 'The page you asked for needs you to sign in; you will be taken back to it.',
      current: 'Signed in', until: 'valid until {at}', continue: 'Continue',
      files: 'Sign in with certificate files',
      mode: { legend: 'How are your certificate and key stored?', pair: 'The certificate and the key are two files', pkcs12: 'One PKCS#12 file (.p12 / .pfx)' },
      cert: 'Certificate (PEM or DER)', key: 'Private key (PEM: PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1)',
      pkcs12: 'PKCS#12 file (certificate and key)', chosen: 'Chosen: {name}',
      password: 'Key password (if the key is encrypted)', pkcs12Password: 'PKCS#12 password',
      submit: 'Sign in',
      keyNote: 'RSA, ECDSA P-256 and SM2 keys are supported. The key is dropped once it has signed.',
      mtls: {
        title: 'Sign in with the certificate of this connection',
        explain: 'If your browser presented your client certificate when it made this HTTPS connection (from a USB token or the system\'s certificate store), sign in with it: no file needed.',
        submit: 'Sign in with this connection\'s certificate',
      },
    },
    session: { signInAgain: 'Sign in again', until: 'Expires at {at}' },
    local: {
      chooseFiles: 'Choose the certificate and the private key first.',
      choosePkcs12: 'Choose the PKCS#12 file (.p12 or .pfx) first.',
      noWebCrypto: 'This browser cannot use WebCrypto on this page (it must be served over HTTPS or from this machine).',
      malformed: 'The file cannot be read: it is not valid DER.', notPem: 'The key file is not PEM text.',
      keyNotPem: 'The key file is DER; convert it to PEM first: openssl pkey -inform DER -in key.der -out key.pem',
      noPrivateKey: 'The file holds no private key.',
      legacyEncrypted: `The key uses OpenSSL's legacy PEM encryption; convert it to PKCS#8: ${CONVERT_KEY}`,
      legacyEncryption: `The key is encrypted with an old scheme (PBES1, 3DES or RC2) that the browser cannot open; convert it: ${CONVERT_KEY}`,
      needPassword: 'The file is encrypted: enter its password.', wrongPassword: 'The password does not open this file.',
      keyEncryption: 'The browser cannot open this key\'s encryption (PBES2 with PBKDF2 and AES-CBC is supported).',
      keyKind: 'Only RSA, EC (P-256, P-384) or SM2 keys can be used here.', notCertificate: 'The file holds no X.509 certificate.',
      notPkcs12: 'This is not a PKCS#12 file (.p12 / .pfx).',
      pkcs12Unsupported: 'This PKCS#12 file is protected in a way that is not supported (password integrity with HMAC or PBMAC1 and PBES2 encryption are).',
      legacyPkcs12: `This PKCS#12 file uses legacy encryption (3DES or RC2) that the browser cannot open. Export it again with OpenSSL 3's modern defaults and choose the new file: ${CONVERT_P12}`,
    },
    problems: {
      'certificate-rejected': {
        title: 'Sign-in refused',
        explain: 'The platform did not accept this certificate or signature: the certificate may have failed validation (expired, revoked, issuer not trusted), or the key does not belong to the certificate.',
      },
      unauthenticated: {
        title: 'Not signed in',
        explain: 'The sign-in challenge expired or is not valid, or this connection has no client certificate. Try again.',
      },
    },
  },
};
