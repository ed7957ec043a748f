// The names of the platform's codes (lib/names.ts): the kinds of object an
// audit event is about, and the events of the opening hall and of an
// evaluation room, as the cockpit, the audit events and a tender's
// timeline show them. Roles are named in audit.ts (audit.events.role).
// The audit record's actions (`tender.publish`) are in ../actions.json, so
// that the browser tests can hold them against the server's source; their
// keys hold dots, which vue-i18n reads as nesting: here they are
// `names.action.tender_publish`.
import actions from '../actions.json';

function actionKeys(names: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [code, name] of Object.entries(names)) {
    const key = code.replace(/\./g, '_');
    if (key in out) throw new Error(`two actions read as names.action.${key}`);
    out[key] = name;
  }
  return out;
}

export default {
  zh: {
    names: {
      action: actionKeys(actions.zh),
      object: {
        league: '交易中心', organisation: '机构', user: '用户', expert: '专家', tender: '项目', document: '招标文件',
        clarification: '澄清', bid: '投标', bid_upload: '投标上传', opening: '开标', opening_key: '开标密钥',
        opening_share: '开标密钥份额', draw: '专家抽取', room: '评标室', contract: '合同', session: '登录会话',
        database_session: '数据库会话', complaint: '投诉', objection: '异议', alert: '预警', notification: '通知',
        trust_service: '信任服务', trust_crl: '证书撤销列表', trust_recognition: '互认关系', platform_keys: '平台密钥',
        stored_file: '存储文件', league_policy_requirement: '交易中心规则', calendar_year: '日历年度',
      },
      hall: {
        tender_status: '项目状态变更', opening_share_released: '密钥份额已释放', opening_share_refused: '密钥份额被拒绝',
        opening_decrypting: '正在解密投标文件', opening_bid_opened: '投标文件已开启', opening_not_opened: '投标文件未能开启',
        opening_completed: '开标完成', opening_aborted: '开标中止',
      },
      room: {
        room_opened: '评标室开启', room_closed: '评标室关闭', member_signed_in: '成员签到', member_declared: '成员声明无回避事由',
        member_recused: '成员回避', member_replaced: '成员替换', chair_vote: '推选组长投票', chair_elected: '组长产生',
        round_started: '评审轮次开始', round_closed: '评审轮次结束', review_given: '符合性审查意见', score_given: '评分',
        score_flagged: '评分偏离提示', score_resolved: '评分分歧处理', bids_unblinded: '投标人身份揭示',
        prices_scored: '价格分计算', clarification_requested: '澄清要求', clarification_answered: '澄清答复',
        report_ready: '评标报告生成', report_signed: '评标报告签署', report_refused: '拒绝签署评标报告',
      },
    },
  },
  en: {
    names: {
      action: actionKeys(actions.en),
      object: {
        league: 'Trading centre', organisation: 'Organisation', user: 'User', expert: 'Expert', tender: 'Tender', document: 'Document',
        clarification: 'Clarification', bid: 'Bid', bid_upload: 'Bid upload', opening: 'Opening', opening_key: 'Opening key',
        opening_share: 'Opening-key share', draw: 'Committee draw', room: 'Evaluation room', contract: 'Contract', session: 'Session',
        database_session: 'Database session', complaint: 'Complaint', objection: 'Objection', alert: 'Alert', notification: 'Notification',
        trust_service: 'Trust service', trust_crl: 'Revocation list', trust_recognition: 'Recognition', platform_keys: 'Platform keys',
        stored_file: 'Stored file', league_policy_requirement: 'Centre policy', calendar_year: 'Calendar year',
      },
      hall: {
        tender_status: 'Tender status changed', opening_share_released: 'Key share released', opening_share_refused: 'Key share refused',
        opening_decrypting: 'Decrypting the bids', opening_bid_opened: 'Bid opened', opening_not_opened: 'Bid not opened',
        opening_completed: 'Opening complete', opening_aborted: 'Opening aborted',
      },
      room: {
        room_opened: 'Room opened', room_closed: 'Room closed', member_signed_in: 'Member signed in', member_declared: 'Member declared no conflict',
        member_recused: 'Member recused', member_replaced: 'Member replaced', chair_vote: 'Vote for the chair', chair_elected: 'Chair elected',
        round_started: 'Round started', round_closed: 'Round closed', review_given: 'Review given', score_given: 'Score given',
        score_flagged: 'Score flagged as deviating', score_resolved: 'Disagreement resolved', bids_unblinded: 'Bidders revealed',
        prices_scored: 'Price scores computed', clarification_requested: 'Clarification requested', clarification_answered: 'Clarification answered',
        report_ready: 'Report ready', report_signed: 'Report signed', report_refused: 'Report refused',
      },
    },
  },
};
