// A custodian releasing its opening-key share (views/ReleaseShare.vue); the
// key-file fields, and the failures of reading a key or a share, are
// keyfiles.ts's; the tender's status is said as on the board (board.enum).
export default {
  zh: {
    release: {
      title: '释放开标密钥份额', failed: '份额未释放', backToTender: '← 返回项目',
      intro: '您是本项目开标密钥的保管人之一。请选择您的数字证书和私钥：私钥只在本浏览器中使用——用于签名登录和解密您的份额——不会发送到任何地方。',
      button: '登录并释放份额', progress: '已释放 {released} 份，需要 {threshold} 份',
      notOpening: '本项目现在不收取开标密钥份额（{status}），不能释放份额。',
      step: {
        signedIn: '已登录：{name}', downloaded: '已下载加密的份额（x = {x}）', decrypted: '已在本浏览器中解密份额',
        released: '份额已释放：已有 {released} / {threshold} 份', ready: '份额已足够，平台正在解密投标文件。',
        waiting: '等待其他保管人释放份额。', signedOut: '已退出登录。',
      },
    },
  },
  en: {
    release: {
      title: 'Release my opening-key share', failed: 'The share was not released', backToTender: '← Back to the tender',
      intro: 'You hold a share of this tender\'s opening key. Choose your certificate and private key: the key is used in this browser only, to sign you in and to decrypt your share, and is never sent anywhere.',
      button: 'Sign in and release my share', progress: '{released} of {threshold} shares released',
      notOpening: 'This tender is not collecting opening-key shares now ({status}); shares cannot be released.',
      step: {
        signedIn: 'Signed in as {name}', downloaded: 'Encrypted share downloaded (x = {x})', decrypted: 'Share decrypted in this browser',
        released: 'Share released: {released} of {threshold} in', ready: 'Enough shares are in: the platform is opening the bids.',
        waiting: 'Waiting for the other custodians.', signedOut: 'Signed out.',
      },
    },
  },
};
