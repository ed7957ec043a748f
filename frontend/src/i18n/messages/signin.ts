// The sign-in page (views/SignIn.vue); its key-file fields and the
// failures of reading the files are keyfiles.ts's.
export default {
  zh: {
    signIn: {
      title: '证书登录',
      intro: '请使用您的数字证书登录。私钥只在本浏览器中用于签名登录挑战，不会发送到任何地方，也不会被保存。',
      needed: '您要访问的页面需要先登录，登录后将自动返回。',
      current: '当前登录', until: '有效期至 {at}', continue: '继续',
      files: '使用证书文件登录',
      submit: '登录',
      keyNote: '支持 RSA、ECDSA P-256 和 SM2（国密）私钥。私钥在签名后即被丢弃。',
      mtls: {
        title: '使用本连接的证书登录',
        explain: '如果浏览器在建立本 HTTPS 连接时已出示您的客户端证书（如 USB 证书或系统证书库中的证书），可直接用它登录，无需选择文件。',
        submit: '使用本连接的证书登录',
      },
    },
    session: { signInAgain: '重新登录', until: '到期时间：{at}' },
  },
  en: {
    signIn: {
      title: 'Sign in with a certificate',
      intro: 'Sign in with your digital certificate. The private key is used only in this browser, to sign the sign-in challenge; it is never sent anywhere and never stored.',
      needed: 'The page you asked for needs you to sign in; you will be taken back to it.',
      current: 'Signed in', until: 'valid until {at}', continue: 'Continue',
      files: 'Sign in with certificate files',
      submit: 'Sign in',
      keyNote: 'RSA, ECDSA P-256 and SM2 keys are supported. The key is dropped once it has signed.',
      mtls: {
        title: 'Sign in with the certificate of this connection',
        explain: 'If your browser presented your client certificate when it made this HTTPS connection (from a USB token or the system\'s certificate store), sign in with it: no file needed.',
        submit: 'Sign in with this connection\'s certificate',
      },
    },
    session: { signInAgain: 'Sign in again', until: 'Expires at {at}' },
  },
};
