// The public notice board, a tender's page and the e-mail verification page
// (moved here from the hand-written board, src/legacy-app.js). Every value
// of the API's enums that these pages show is translated under board.enum;
// a value the server adds later is shown as sent until it is translated.
export default {
  zh: {
    board: {
      title: '公告栏',
      filters: '筛选条件', category: '交易类别', league: '交易中心', status: '状态',
      q: '关键词', qPlaceholder: '项目名称或编号', all: '全部', search: '搜索', reset: '重置',
      reference: '项目编号', method: '交易方式', budget: '预算金额', bidDeadline: '投标截止',
      publishedAt: '发布时间', results: '共 {total} 条', empty: '没有符合条件的项目。',
      prev: '上一页', next: '下一页', pageOf: '第 {page} / {pages} 页', pagination: '分页',
      back: '← 返回公告栏', tenderer: '招标人/采购人', agent: '代理机构',
      amendment: '第 {n} 次变更', description: '项目概况', keyDates: '关键时间',
      docsAvailable: '文件获取开始时间', clarDeadline: '澄清截止时间', bidDeadlineOpening: '投标截止时间（即开标时间）',
      publicityDays: '公示期', days: '{n} 天', lots: '标段（包）', lotNo: '编号', lotTitle: '名称',
      lotDesc: '说明', evaluation: '评标办法', evalMethod: '评标方法', criteria: '评分因素',
      critName: '评分项', critKind: '类型', weight: '分值（满分 100）', points: '{n} 分', priceFormula: '价格分计算',
      documents: '招标文件', docTitle: '文件', filename: '文件名', size: '大小', sha256: 'SHA-256',
      download: '下载', downloadOf: '下载 {title}', unpublished: '未发布', notices: '公告记录', seq: '序号', kind: '类型',
      clarifications: '答疑澄清', clarNo: '编号', question: '问题', answer: '答复', answeredAt: '答复时间',
      opendata: '开放数据（OCDS）', releaseLink: '开标：释放我的密钥份额',
      pf: {
        lowest_price_base: '低价优先法：以满足要求的最低有效报价为评标基准价，价格得分 =（评标基准价 ÷ 投标报价）× 价格满分。',
        average_deviation: '平均值偏差法：以有效报价的算术平均值为评标基准价；报价每高于基准价 1% 扣 {above} 分，每低于基准价 1% 扣 {below} 分。',
      },
      enum: {
        category: { government_procurement: '政府采购', engineering_construction: '工程建设', land_mining_rights: '土地矿业权', state_owned_property: '国有产权' },
        method: { open_tendering: '公开招标', invited_tendering: '邀请招标', competitive_negotiation: '竞争性谈判', competitive_consultation: '竞争性磋商', inquiry: '询价', single_source: '单一来源', auction: '拍卖', listing: '挂牌' },
        status: { draft: '草稿', published: '招标中', opening: '开标中', opened: '开标完成 · 待评标', opening_aborted: '开标中止', evaluating: '评标中', candidates_publicised: '候选人公示', awarded: '已定标', closed: '已结束', cancelled: '已终止', failed: '流标' },
        kind: {
          tender: '招标公告', amendment: '变更公告', clarification: '澄清公告', opening: '开标公告', evaluation: '评标公告',
          candidates: '中标候选人公示', award: '中标结果公告', closure: '结束公告', cancellation: '终止公告', failure: '流标公告',
          complaint_decision: '投诉处理决定', suspension: '暂停或恢复公告', contract: '合同公告',
        },
        critKind: { technical: '技术', commercial: '商务', price: '价格' },
        evalMethod: { comprehensive_scoring: '综合评分法', lowest_evaluated_price: '经评审的最低投标价法', lowest_price: '最低价法', highest_price: '价高者得' },
      },
    },
    verifyEmail: {
      title: '验证电子邮件地址', intro: '请点击下方按钮确认这是您的电子邮件地址。确认后，平台的通知将同时发送到该地址。',
      button: '确认验证', done: '电子邮件地址已验证。平台的通知将发送到该地址。', failed: '验证未成功',
      noToken: '链接不完整：请从邮件中完整复制链接后重试。',
      invalid: '此链接无效：它已被使用过、已被更新的链接取代，或已超过 24 小时有效期。请在平台上重新填写电子邮件地址以获取新链接。',
    },
  },
  en: {
    board: {
      title: 'Notice board',
      filters: 'Filters', category: 'Category', league: 'Trading centre', status: 'Status',
      q: 'Keywords', qPlaceholder: 'Title or reference', all: 'All', search: 'Search', reset: 'Reset',
      reference: 'Reference', method: 'Method', budget: 'Budget', bidDeadline: 'Bid deadline',
      publishedAt: 'Published', results: '{total} results', empty: 'No tenders match these filters.',
      prev: 'Previous', next: 'Next', pageOf: 'Page {page} of {pages}', pagination: 'Pagination',
      back: '← Back to notice board', tenderer: 'Tenderer', agent: 'Agent',
      amendment: 'Amendment {n}', description: 'Description', keyDates: 'Key dates',
      docsAvailable: 'Documents available from', clarDeadline: 'Clarification deadline', bidDeadlineOpening: 'Bid deadline (= opening time)',
      publicityDays: 'Publicity period', days: '{n} days', lots: 'Lots', lotNo: 'No.', lotTitle: 'Title',
      lotDesc: 'Description', evaluation: 'Evaluation', evalMethod: 'Evaluation method', criteria: 'Criteria',
      critName: 'Criterion', critKind: 'Kind', weight: 'Points (of 100)', points: '{n} pts', priceFormula: 'Price score',
      documents: 'Documents', docTitle: 'Document', filename: 'File name', size: 'Size', sha256: 'SHA-256',
      download: 'Download', downloadOf: 'Download {title}', unpublished: 'unpublished', notices: 'Notice history', seq: 'No.', kind: 'Kind',
      clarifications: 'Clarifications', clarNo: 'No.', question: 'Question', answer: 'Answer', answeredAt: 'Answered',
      opendata: 'Open data (OCDS)', releaseLink: 'Opening: release my key share',
      pf: {
        lowest_price_base: 'Lowest price as base: the lowest valid bid is the base price; price score = (base price ÷ bid price) × max price score.',
        average_deviation: 'Average deviation: the mean of valid bids is the base price; deduct {above} point(s) per 1% above it and {below} point(s) per 1% below it.',
      },
      enum: {
        category: { government_procurement: 'Government procurement', engineering_construction: 'Engineering construction', land_mining_rights: 'Land & mining rights', state_owned_property: 'State-owned property' },
        method: { open_tendering: 'Open tendering', invited_tendering: 'Invited tendering', competitive_negotiation: 'Competitive negotiation', competitive_consultation: 'Competitive consultation', inquiry: 'Request for quotation', single_source: 'Single source', auction: 'Auction', listing: 'Listing' },
        status: { draft: 'Draft', published: 'Open for bids', opening: 'Opening', opened: 'Opened · awaiting evaluation', opening_aborted: 'Opening aborted', evaluating: 'Evaluating', candidates_publicised: 'Candidates publicised', awarded: 'Awarded', closed: 'Closed', cancelled: 'Cancelled', failed: 'Failed' },
        kind: {
          tender: 'Tender notice', amendment: 'Amendment', clarification: 'Clarification', opening: 'Opening', evaluation: 'Evaluation',
          candidates: 'Candidates', award: 'Award', closure: 'Closure', cancellation: 'Cancellation', failure: 'Failure notice',
          complaint_decision: 'Complaint decision', suspension: 'Suspension or resumption', contract: 'Contract',
        },
        critKind: { technical: 'Technical', commercial: 'Commercial', price: 'Price' },
        evalMethod: { comprehensive_scoring: 'Comprehensive scoring', lowest_evaluated_price: 'Lowest evaluated price', lowest_price: 'Lowest price', highest_price: 'Highest price wins' },
      },
    },
    verifyEmail: {
      title: 'Verify your e-mail address', intro: 'Press the button to confirm this is your e-mail address. From then on the platform also sends its notifications there.',
      button: 'Verify', done: 'Your e-mail address is verified. The platform\'s notifications will be sent there.', failed: 'Not verified',
      noToken: 'The link is incomplete: copy the whole link from the message and try again.',
      invalid: 'This link does not work: it was used already, a newer link replaced it, or its 24 hours have passed. Enter your address on the platform again for a new link.',
    },
  },
};
