// The certificate and key-file fields (components/KeyFilesFields.vue: the
// sign-in, the audit log's optional sign-in, a custodian's share release,
// the report a member signs), and the failures of reading a key, a
// certificate or a share in the page: share.js's codes, and the fields' own
// (`chooseFiles`, `choosePkcs12`), said by lib/problem.ts as `local.<code>`.

// (A literal "|" in vue-i18n's syntax: a bare one separates plural forms.)
const CONVERT_P12 = "openssl pkcs12 -in old.p12 -nodes {'|'} openssl pkcs12 -export -out new.p12";
const CONVERT_KEY = 'openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem';
const CLI = 'ggzy opening release-share';

export default {
  zh: {
    keyFiles: {
      mode: { legend: '您的证书和私钥如何保存？', pair: '证书和私钥是两个文件', pkcs12: '一个 PKCS#12 文件（.p12 / .pfx）' },
      cert: '数字证书（PEM 或 DER）', key: '私钥（PEM：PKCS#8、加密的 PKCS#8、PKCS#1 或 SEC1）',
      keyOrPkcs12: '私钥文件（PEM 或 PKCS#12）',
      pkcs12: 'PKCS#12 文件（含证书和私钥）', choose: '选择文件', none: '未选择文件',
      password: '私钥口令（私钥加密时填写）', pkcs12Password: 'PKCS#12 文件口令',
    },
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
      notEnveloped: '平台返回的份额无法读取（不是本页面能处理的 CMS EnvelopedData）。',
      otherRecipient: '您的份额加密给了您的另一张证书：请选择项目发布时您使用的证书。',
      pkcs1v15: `此份额使用 RSA PKCS#1 v1.5 加密，浏览器无法解密：请用命令行释放（${CLI}）。`,
      unsupported: `此份额使用了本页面不支持的算法：请用命令行释放（${CLI}）。`,
      keyMismatch: '此私钥打不开份额：它是这张证书的私钥吗？',
      corruptShare: '您的私钥打开了份额的内容密钥，但份额本身无法解密：平台返回的份额已损坏，请联系平台运维。',
    },
  },
  en: {
    keyFiles: {
      mode: { legend: 'How are your certificate and key stored?', pair: 'The certificate and the key are two files', pkcs12: 'One PKCS#12 file (.p12 / .pfx)' },
      cert: 'Certificate (PEM or DER)', key: 'Private key (PEM: PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1)',
      keyOrPkcs12: 'Private key file (PEM or PKCS#12)',
      pkcs12: 'PKCS#12 file (certificate and key)', choose: 'Choose file', none: 'No file chosen',
      password: 'Key password (if the key is encrypted)', pkcs12Password: 'PKCS#12 password',
    },
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
      notEnveloped: 'The share the platform sent cannot be read (it is not a CMS EnvelopedData this page handles).',
      otherRecipient: 'Your share is encrypted to another certificate of yours: choose the one you held when the tender was published.',
      pkcs1v15: `This share is encrypted with RSA PKCS#1 v1.5, which browsers cannot decrypt: release it with the command line (${CLI}).`,
      unsupported: `This share uses algorithms this page does not handle: release it with the command line (${CLI}).`,
      keyMismatch: 'This private key does not open the share: is it the key of this certificate?',
      corruptShare: 'Your key opened the share\'s content key, but the share itself does not decrypt: the platform sent a damaged share; tell its operators.',
    },
  },
};
