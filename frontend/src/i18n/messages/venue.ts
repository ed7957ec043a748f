export default {
  zh: { venue: { title: '评标场地签到表', signedInAt: '签到时间', notYet: '尚未签到', refreshed: '每 15 秒刷新，最近：{at}' } },
  en: { venue: { title: 'Venue sign-in sheet', signedInAt: 'Signed in at', notYet: 'Not yet', refreshed: 'Refreshed every 15 s; last {at}' } },
};
