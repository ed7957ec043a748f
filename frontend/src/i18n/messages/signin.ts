export default {
  zh: {
    signIn: {
      title: '证书登录',
      intro: '请选择您的数字证书和私钥文件。私钥只在本浏览器中用于签名登录挑战，不会发送到任何地方，也不会被保存。',
      cert: '数字证书（PEM 或 DER）', key: '私钥（PEM：PKCS#8、加密的 PKCS#8、PKCS#1 或 SEC1）',
      password: '私钥口令（私钥加密时填写）', submit: '登录',
    },
    local: {
      chooseFiles: '请先选择证书和私钥文件。',
      noWebCrypto: '此浏览器在本页面不能使用 WebCrypto（页面须通过 HTTPS 或本机地址访问）。',
      malformed: '文件无法解析：不是有效的 DER 结构。', notPem: '私钥文件不是 PEM 文本。',
      keyNotPem: '私钥文件是 DER 格式，请先转换为 PEM：openssl pkey -inform DER -in key.der -out key.pem',
      noPrivateKey: '文件中没有私钥。',
      legacyEncrypted: '私钥采用 OpenSSL 旧式 PEM 加密，请转换为 PKCS#8：openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem',
      needPassword: '私钥已加密，请输入口令。', wrongPassword: '口令不能打开此私钥。',
      keyEncryption: '私钥的加密方式浏览器无法打开（支持 PBES2：PBKDF2 与 AES-CBC）。',
      keyKind: '这里只能使用 RSA 或 EC（P-256、P-384）私钥。', notCertificate: '证书文件中没有 X.509 证书。',
    },
  },
  en: {
    signIn: {
      title: 'Sign in with a certificate',
      intro: 'Choose your certificate and private-key files. The key is used only in this browser, to sign the sign-in challenge; it is never sent anywhere and never stored.',
      cert: 'Certificate (PEM or DER)', key: 'Private key (PEM: PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1)',
      password: 'Key password (if the key is encrypted)', submit: 'Sign in',
    },
    local: {
      chooseFiles: 'Choose the certificate and the private key first.',
      noWebCrypto: 'This browser cannot use WebCrypto on this page (it must be served over HTTPS or from this machine).',
      malformed: 'The file cannot be read: it is not valid DER.', notPem: 'The key file is not PEM text.',
      keyNotPem: 'The key file is DER; convert it to PEM first: openssl pkey -inform DER -in key.der -out key.pem',
      noPrivateKey: 'The file holds no private key.',
      legacyEncrypted: 'The key uses OpenSSL\'s legacy PEM encryption; convert it to PKCS#8: openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem',
      needPassword: 'The key is encrypted: enter its password.', wrongPassword: 'The password does not open this key.',
      keyEncryption: 'The browser cannot open this key\'s encryption (PBES2 with PBKDF2 and AES-CBC is supported).',
      keyKind: 'Only RSA or EC (P-256, P-384) keys can be used here.', notCertificate: 'The certificate file holds no X.509 certificate.',
    },
  },
};
