export default {
  zh: {
    appName: '公共资源交易平台 · GGZY', skip: '跳到主要内容', siteNav: '站点导航',
    appShort: '公共资源交易平台', menu: '菜单', menuUnread: '条未读消息',
    nav: { board: '公告栏', audit: '审计日志验证', signIn: '证书登录', signOut: '退出登录' },
    langSwitch: 'English', langSwitchLabel: 'Switch to English',
    loading: '加载中…', error: '出错了', retry: '重试', cancel: '取消', none: '无', nothing: '暂无',
    notFound: '页面不存在', home: '返回首页',
    // Punctuation that differs between the languages: a title and its
    // subject, a remark in brackets.
    colon: '：', inParens: '（{text}）', listSep: '、',
    footer: { apiDocs: 'API 文档（JSON）', opendata: '开放数据（OCDS）', problems: '错误代码说明' },
    session: {
      as: '已登录：{name}', expiresIn: '{left}后到期', expiredNotice: '登录已到期或已被撤销，请重新登录。',
      signedOut: '已退出登录。', menu: '账户',
    },
    problem: {
      network: '网络错误，请检查连接后重试。', generic: '无法完成请求，请稍后重试。',
      detail: '服务器说明：', fields: '需要修改的字段',
    },
  },
  en: {
    appName: 'Public Resource Trading Platform · GGZY', skip: 'Skip to main content', siteNav: 'Site',
    appShort: 'Public Resource Trading Platform', menu: 'Menu', menuUnread: 'unread messages',
    nav: { board: 'Notice board', audit: 'Audit log verification', signIn: 'Sign in with certificate', signOut: 'Sign out' },
    langSwitch: '中文', langSwitchLabel: '切换到中文',
    loading: 'Loading…', error: 'Something went wrong', retry: 'Retry', cancel: 'Cancel', none: 'None', nothing: 'None yet',
    notFound: 'Page not found', home: 'Back to home',
    colon: ': ', inParens: ' ({text})', listSep: ', ',
    footer: { apiDocs: 'API documentation (JSON)', opendata: 'Open data (OCDS)', problems: 'Error codes' },
    session: {
      as: 'Signed in: {name}', expiresIn: 'expires in {left}', expiredNotice: 'Your sign-in has expired or was revoked; please sign in again.',
      signedOut: 'Signed out.', menu: 'Account',
    },
    problem: {
      network: 'Network error: check the connection and try again.', generic: 'The request could not be completed; please try again later.',
      detail: 'The server says: ', fields: 'Fields to correct',
    },
  },
};
