export default {
  zh: {
    nav: { expert: '我的评标' },
    expert: {
      title: '我的评标', signInFirst: '请以评标专家身份用证书登录。',
      availability: '可参加抽取', available: '可以参加', unavailable: '暂不参加', note: '说明（原因或截止日期）', save: '保存', saved: '已保存。',
      confirmedAt: '最近确认：{at}',
      invitations: '评标邀请', noInvitations: '目前没有待答复的邀请。', venue: '评标场地：{venue}', deadline: '投标截止：{at}',
      answerBy: '请在 {at} 前答复（剩余 {left}）', accept: '接受', decline: '拒绝', declineTitle: '拒绝邀请',
      declineReason: '拒绝的理由（必填）', confirmDecline: '确认拒绝',
      seats: '我参加的评标委员会', enterRoom: '进入评标室', history: '历史记录', project: '项目', status: '状态', invitedAt: '邀请时间',
      statuses: { invited: '待答复', accepted: '已接受', declined: '已拒绝', no_show: '缺席', recused: '已回避', expired: '逾期未答复' },
    },
  },
  en: {
    nav: { expert: 'My evaluations' },
    expert: {
      title: 'My evaluations', signInFirst: 'Sign in with your certificate as an evaluation expert.',
      availability: 'Available to be drawn', available: 'Available', unavailable: 'Not available', note: 'Note (why, or until when)', save: 'Save', saved: 'Saved.',
      confirmedAt: 'Last confirmed: {at}',
      invitations: 'Invitations', noInvitations: 'No invitation awaits your answer.', venue: 'Venue: {venue}', deadline: 'Bid deadline: {at}',
      answerBy: 'Answer by {at} ({left} left)', accept: 'Accept', decline: 'Decline', declineTitle: 'Decline the invitation',
      declineReason: 'Reason (required)', confirmDecline: 'Decline',
      seats: 'Committees I sit on', enterRoom: 'Enter the room', history: 'History', project: 'Project', status: 'Status', invitedAt: 'Invited',
      statuses: { invited: 'Awaiting answer', accepted: 'Accepted', declined: 'Declined', no_show: 'Absent', recused: 'Recused', expired: 'Not answered in time' },
    },
  },
};
