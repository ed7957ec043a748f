// The supervisor's handling of a tender's complaints (views/SupervisorComplaints.vue).
export default {
  zh: {
    complaints: {
      title: '投诉处理', none: '本项目没有投诉。', filed: '投诉提交于', objection: '所针对的异议（质疑）', answer: '异议（质疑）答复',
      unanswered: '答复期限届满未答复', grounds: '投诉事项和理由', acceptBy: '受理期限', acceptedAt: '；已于 ', decideBy: '处理决定期限',
      onAcceptance: '自受理之日起计算', refusal: '不予受理的理由', upheld: '处理决定（投诉成立）', dismissed: '处理决定（投诉不成立）',
      suspension: '暂停', until: '，至 ', resumedAt: '；已于 ',
      acceptOrRefuse: '受理或不予受理', accept: '受理', refuse: '不予受理', refuseReason: '不予受理的理由（必填，将公开）', acceptNote: '说明（可选）',
      suspendLimit30: '政府采购法 第57条、财政部令第94号 第28条：可以书面通知采购人暂停采购活动，暂停时间最长不得超过30日（默认30日）。',
      suspendNoLimit: '招标投标法实施条例 第62条：必要时可以责令暂停招标投标活动（法规未规定最长期限）。',
      suspendReason: '暂停理由（必填，将公开）', resumeReason: '恢复理由（必填，将公开）', days: '暂停天数（日历日，可选）',
      suspend: '暂停本项目', resume: '恢复本项目', upheldOrNot: '投诉是否成立', isUpheld: '投诉成立', notUpheld: '投诉不成立',
      decisionText: '处理决定书内容（必填，将作为公告发布）', decide: '作出处理决定',
      accepted: '投诉已受理。', refused: '已不予受理，理由已公布。', suspendedMsg: '本项目已暂停。', resumedMsg: '本项目已恢复。', decidedMsg: '处理决定已作出并公布。',
    },
  },
  en: {
    complaints: {
      title: 'Complaints', none: 'This tender has no complaints.', filed: 'Complaint filed', objection: 'The objection it follows', answer: 'The answer to it',
      unanswered: 'Not answered within its time', grounds: 'What is complained of, and why', acceptBy: 'Accept or refuse by', acceptedAt: '; accepted ', decideBy: 'Decide by',
      onAcceptance: 'counted from acceptance', refusal: 'Refused because', upheld: 'Decision (upheld)', dismissed: 'Decision (not upheld)',
      suspension: 'Suspension', until: ', until ', resumedAt: '; resumed ',
      acceptOrRefuse: 'Accept or refuse', accept: 'Accept', refuse: 'Refuse', refuseReason: 'Why it is refused (required; published)', acceptNote: 'Note (optional)',
      suspendLimit30: 'Government Procurement Law art. 57, MOF Order No. 94 art. 28: the purchaser may be told in writing to suspend the procurement, for 30 days at most (30 by default).',
      suspendNoLimit: 'Regulations on the Tendering and Bidding Law art. 62: the procedure may be suspended where necessary (no longest period is set).',
      suspendReason: 'Why it is suspended (required; published)', resumeReason: 'Why it resumes (required; published)', days: 'Days of suspension (calendar days, optional)',
      suspend: 'Suspend the procedure', resume: 'Resume the procedure', upheldOrNot: 'Is the complaint upheld?', isUpheld: 'Upheld', notUpheld: 'Not upheld',
      decisionText: 'The decision (required; published as a notice)', decide: 'Decide',
      accepted: 'Complaint accepted.', refused: 'Complaint refused; the reason is published.', suspendedMsg: 'The procedure is suspended.', resumedMsg: 'The procedure has resumed.', decidedMsg: 'Decision made and published.',
    },
  },
};
