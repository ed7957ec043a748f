// The public's pages: the notice list and a notice's own page, the opening
// hall as the public follows it, results and the published report, open
// data and the API documentation, and the site's identity in the footer
// (`pub.*`). The notices the platform writes are said here from their key
// and params (`pub.words.*`, src/tenders/notice_words.rs), and every
// category speaks its own words (`vocab.*`, ../vocabulary.json, the table
// src/tenders/vocabulary.rs reads): land and property are granted or transferred
// (出让, 转让) to bidders at auction or listing who quote (竞买人, 报价), not
// tendered to bidders who bid.
import vocabulary from '../vocabulary.json';

// The one table of the categories' words (../vocabulary.json), which the
// server reads too (src/tenders/vocabulary.rs).
const vocabZh = vocabulary.zh;
const vocabEn = vocabulary.en;

export default {
  zh: {
    vocab: vocabZh,
    pub: {
      nav: { notices: '交易公告', opendata: '开放数据', api: '接口文档' },
      notices: {
        title: '交易公告', filters: '筛选条件', kind: '公告类型', all: '全部', q: '关键词',
        qPlaceholder: '公告标题、正文或项目名称', results: '共 {total} 条公告', empty: '没有符合条件的公告。',
        tender: '所属项目', published: '发布时间', read: '阅读全文', seq: '第 {seq} 号',
      },
      notice: {
        back: '← 返回交易公告', ofTender: '所属项目', reference: '项目编号', number: '公告序号', kind: '公告类型',
        others: '本项目的其他公告', tenderPage: '项目详情', hallLink: '{hall}', opendata: '开放数据（本项目的发布）',
        rawJson: '原始 JSON', writtenBy: '本公告正文由发布人撰写，按原文显示。',
      },
      words: {
        title: {
          kind: '{tender} — {kind}', clarification: '{tender} — 澄清 第{number}号', opening_record: '{tender} — {record}',
          complaint_refused: '{tender} — 投诉不予受理', suspended: '{tender} — 暂停', resumed: '{tender} — 恢复',
          contract: '{kind}：{contract}',
        },
        body: {
          clarification: '问：{question}\n答：{answer}',
          opening_record: {
            proceeds: '{done}：开启{bids} {opened} 份，有效 {valid} 份；{next}。',
            fails: '{done}：开启{bids} {opened} 份，有效 {valid} 份；有效{bids}不足 {minimum} 份，本项目失败（{basis}）。',
          },
          suspended: '行政监督部门处理投诉期间，暂停本项目：{reason}',
          suspended_until: '行政监督部门处理投诉期间，暂停本项目（至{until}）：{reason}',
          resumed: '行政监督部门决定恢复本项目：{reason}',
          contract: '{purchaser}与{supplier}于{date}签订合同，合同金额 {amount} 元。',
          complaint_decided: '投诉处理决定已作出',
          lot: { whole: '本项目', numbered: '第{lot}标段', titled: '第{lot}标段（{title}）' },
          award: {
            head: '{result}：', lot: '{lot}：{winnerWord} {winner}，{valueWord} {value} 元', rank: '（评标报告排名第{rank}）',
            reason: '；理由：{reason}', experts: '评审专家名单（评标委员会成员）：{names}',
            standing: '采购人未在收到评标报告之日起5个工作日内确定中标人，视同按评标报告推荐的顺序确定排名第一的中标候选人为中标人（财政部令第87号 第六十八条）',
          },
          publicity: {
            head: '中标候选人公示', project: '项目：{tender}（招标编号 {reference}）', tenderer: '招标人：{tenderer}',
            report: '评标情况：评标委员会已完成评审，全体成员于{at}签署评标报告（SHA-256 {sha}）。',
            none: '{lot}：无中标候选人（本标段评标失败）。', lot: '{lot}：', candidate: '第{rank}中标候选人：{bidder}；投标报价 {price} 元',
            corrected: '（经投标人确认的修正价 {price} 元）', evaluated: '；评标价 {price} 元', total: '；综合得分 {total}',
            days: '；工期（交货期）{days} 日', terms: '；质量及承诺：{terms}', rejected: '被否决的投标：{n} 家。',
            period: '公示期：{from} 至 {until}（不少于3日，招标投标法实施条例 第54条）。',
            objection: '异议：投标人或者其他利害关系人对评标结果有异议的，应当在中标候选人公示期间通过本平台向招标人提出；招标人应当自收到异议之日起3日内作出答复，作出答复前暂停招标投标活动（招标投标法实施条例 第54条）。',
            basis: '依据：《招标公告和公示信息发布管理办法》第六条。', remark: '招标人说明：{remark}',
          },
          complaint_decision: {
            tendering: '关于本项目异议事项（{subject}）的投诉，处理决定如下：{decision}',
            procurement: '关于本项目质疑事项（{subject}）的投诉，处理决定如下：{decision}',
            upheld: '投诉成立。', dismissed: '投诉不成立。',
          },
          not_opened: '投标截止时投标人不足{bids}家（{bidders} 家），投标文件不予开启，本次采购失败，应当重新组织采购。依据：{basis}',
          too_few_valid: '开标有效投标不足{bids}家（{valid} 家），本次采购失败。依据：{basis}',
          not_qualified: '资格审查合格投标人不足{bids}家（{qualified} 家），不得评标，本次采购失败。依据：{basis}',
        },
      },
      hall: {
        title: '{hall}：{tender}', back: '← 返回项目', live: '实时', connecting: '正在连接…', replaying: '正在同步…',
        reconnecting: '连接中断，正在重新连接（第 {n} 次）…', closed: '已断开', refused: '无法关注此项目的大厅',
        events: '大厅动态', noEvents: '大厅尚无动态。截止时间一到，{opening}将在此实时进行，无需登录。',
        record: '{record}', recordPending: '{opening}尚未完成：记录将在读出后显示。', notStarted: '{opening}尚未开始。',
        deadline: '截止时间', status: '项目状态', openedAt: '开启时间', validBids: '有效 {valid} 份 / 共 {bids} 份',
        col: { no: '序号', bidder: '{bidder}', price: '{price}', duration: '工期（天）', outcome: '结果', sealed: '电子签章', reason: '说明' },
        sealed: { yes: '已验证', no: '无' },
        outcome: { valid: '有效', revoked: '撤销（投标人原因无法解密）', withdrawn: '视为撤回', invalid: '无效' },
        followNote: '本页通过 WebSocket 实时接收大厅事件，断线后自动重连并从最后一条继续。',
      },
      results: {
        title: '结果与评审报告', award: '{result}', lot: '标段 {lot}', winner: '{winner}', value: '金额', rank: '评审排名',
        report: '评审报告（公开部分）', reportPending: '评审报告在结果确定后公开。', committee: '评审委员会成员',
        ranking: '排名', total: '总分', candidates: '推荐的候选人', rejected: '否决的{bids}', ground: '理由',
        printable: '可打印版本', sha: '报告 SHA-256', none: '尚无结果。',
      },
      opendata: {
        title: '开放数据', intro: '平台的每一条公告都以开放合同数据标准（OCDS 1.1）发布。下表为发布流，按时间先后排列；每行可查看原始 JSON。',
        feed: '发布流（OCDS 发布包）', ocid: 'OCID', date: '日期', tag: '类型', release: '发布', tender: '项目',
        raw: '原始 JSON', record: '项目记录（OCDS 记录包）', releases: '本项目的全部发布', empty: '尚无发布。',
        tenderTitle: '开放数据：{tender}', bids: '投标统计', value: '数值', measure: '统计项', awards: '授予', awardedTo: '授予对象', contracts: '合同',
        back: '← 返回开放数据', packageInfo: '发布者 {publisher}，共 {n} 条',
        tags: {
          planning: '计划', tender: '招标', tenderUpdate: '招标更新', tenderAmendment: '招标变更', tenderCancellation: '招标终止',
          award: '授予', awardUpdate: '授予更新', awardCancellation: '授予撤销', contract: '合同', contractUpdate: '合同更新',
          contractAmendment: '合同变更', implementation: '履行', compiled: '汇编',
        },
      },
      api: {
        title: '接口文档', intro: '平台的 HTTP 接口按 OpenAPI 3.1 描述，文档由处理程序本身生成。下面按领域列出每个接口；原始文档见',
        raw: '/api/openapi.json（原始 JSON）', filter: '查找接口', filterPlaceholder: '路径、名称或说明', tag: '领域',
        params: '参数', responses: '响应', body: '请求体', required: '必填', schema: '数据结构', schemas: '数据结构',
        in: { path: '路径', query: '查询', header: '请求头', cookie: 'Cookie' }, count: '共 {n} 个接口',
        noMatch: '没有匹配的接口。', version: '版本 {v}', fields: '字段', type: '类型', description: '说明',
      },
      site: {
        operator: '主办单位', icp: 'ICP备案', police: '公安备案', phone: '服务电话', email: '电子邮件', address: '地址',
        demo: '演示数据', identity: '网站标识',
      },
    },
  },
  en: {
    vocab: vocabEn,
    pub: {
      nav: { notices: 'Notices', opendata: 'Open data', api: 'API' },
      notices: {
        title: 'Notices', filters: 'Filters', kind: 'Kind of notice', all: 'All', q: 'Keywords',
        qPlaceholder: 'Notice title, text or project name', results: '{total} notices', empty: 'No notice matches.',
        tender: 'Project', published: 'Published', read: 'Read the notice', seq: 'No. {seq}',
      },
      notice: {
        back: '← Back to the notices', ofTender: 'Project', reference: 'Reference', number: 'Notice number', kind: 'Kind',
        others: "The project's other notices", tenderPage: 'Project details', hallLink: '{hall}', opendata: "Open data (this project's releases)",
        rawJson: 'raw JSON', writtenBy: 'The text of this notice is its publisher\'s, shown as written.',
      },
      words: {
        title: {
          kind: '{tender} — {kind}', clarification: '{tender} — clarification no. {number}', opening_record: '{tender} — {record}',
          complaint_refused: '{tender} — complaint not accepted', suspended: '{tender} — suspended', resumed: '{tender} — resumed',
          contract: '{kind}: {contract}',
        },
        body: {
          clarification: 'Q: {question}\nA: {answer}',
          opening_record: {
            proceeds: '{done}: {opened} {bids} opened, {valid} valid; {next}.',
            fails: '{done}: {opened} {bids} opened, {valid} valid; fewer than {minimum} valid {bids}, so the procedure fails ({basis}).',
          },
          suspended: 'The procedure is suspended while the supervisory department handles a complaint: {reason}',
          suspended_until: 'The procedure is suspended while the supervisory department handles a complaint (until {until}): {reason}',
          resumed: 'The supervisory department resumes the procedure: {reason}',
          contract: '{purchaser} and {supplier} signed the contract on {date}, for ¥{amount}.',
          complaint_decided: 'the complaint has been decided',
          lot: { whole: 'The project', numbered: 'Lot {lot}', titled: 'Lot {lot} ({title})' },
          award: {
            head: '{result}:', lot: '{lot}: {winnerWord} {winner}, {valueWord} ¥{value}', rank: ' (ranked {rank} in the evaluation report)',
            reason: '; reason: {reason}', experts: 'Evaluation experts (the committee): {names}',
            standing: 'The purchaser did not decide the winner within 5 working days of receiving the evaluation report, so the first-ranked candidate stands as the winner (MOF Order No. 87, art. 68).',
          },
          publicity: {
            head: 'Publicity of the winning candidates', project: 'Project: {tender} (reference {reference})', tenderer: 'Tenderer: {tenderer}',
            report: 'Evaluation: the committee has finished its evaluation; all its members signed the report at {at} (SHA-256 {sha}).',
            none: '{lot}: no winning candidate (the evaluation of this lot failed).', lot: '{lot}:', candidate: 'Candidate no. {rank}: {bidder}; bid price ¥{price}',
            corrected: ' (corrected price confirmed by the bidder: ¥{price})', evaluated: '; evaluated price ¥{price}', total: '; total score {total}',
            days: '; duration (delivery) {days} days', terms: '; quality and commitments: {terms}', rejected: 'Bids rejected: {n}.',
            period: 'Publicity period: {from} to {until} (at least 3 days, Regulation on the Implementation of the Bidding Law, art. 54).',
            objection: 'Objections: a bidder or other interested party who objects to the evaluation result raises it with the tenderer on this platform during the publicity; the tenderer answers within 3 days of receiving it, and the procedure pauses until it answers (art. 54 of the same Regulation).',
            basis: 'Basis: Measures on publishing tender notices and publicity information, art. 6.', remark: "The tenderer's note: {remark}",
          },
          complaint_decision: {
            tendering: 'On the complaint about the objection ({subject}) in this project, the decision is: {decision}',
            procurement: 'On the complaint about the challenge ({subject}) in this procurement, the decision is: {decision}',
            upheld: 'The complaint is upheld.', dismissed: 'The complaint is dismissed.',
          },
          not_opened: 'Fewer than {bids} bidders at the deadline ({bidders}): the bids are not opened and the procedure fails; it must be run again. Basis: {basis}',
          too_few_valid: 'Fewer than {bids} valid bids at the opening ({valid}): the procedure fails. Basis: {basis}',
          not_qualified: 'Fewer than {bids} bidders qualified in the qualification review ({qualified}): the bids are not evaluated and the procedure fails. Basis: {basis}',
        },
      },
      hall: {
        title: '{hall}: {tender}', back: '← Back to the project', live: 'Live', connecting: 'Connecting…', replaying: 'Catching up…',
        reconnecting: 'Connection lost; reconnecting (attempt {n})…', closed: 'Disconnected', refused: "This project's hall cannot be followed",
        events: 'In the hall', noEvents: 'Nothing has happened in the hall yet. At the deadline the {opening} happens here, live, without signing in.',
        record: '{record}', recordPending: 'The {opening} is not complete: the record is shown once read out.', notStarted: 'The {opening} has not started.',
        deadline: 'Deadline', status: 'Status', openedAt: 'Opened at', validBids: '{valid} valid of {bids}',
        col: { no: 'No.', bidder: '{bidder}', price: '{price}', duration: 'Duration (days)', outcome: 'Outcome', sealed: 'Electronic seal', reason: 'Note' },
        sealed: { yes: 'verified', no: 'none' },
        outcome: { valid: 'valid', revoked: 'revoked (cannot be decrypted, the bidder\'s fault)', withdrawn: 'deemed withdrawn', invalid: 'invalid' },
        followNote: "This page follows the hall's events live over a WebSocket, reconnecting by itself and resuming from the last one.",
      },
      results: {
        title: 'Results and the evaluation report', award: '{result}', lot: 'Lot {lot}', winner: '{winner}', value: 'Value', rank: 'Rank in the report',
        report: 'Evaluation report (as published)', reportPending: 'The evaluation report is published once the result is decided.',
        committee: 'Committee members', ranking: 'Ranking', total: 'Total score', candidates: 'Recommended candidates', rejected: 'Rejected {bids}',
        ground: 'Ground', printable: 'Printable page', sha: 'Report SHA-256', none: 'No result yet.',
      },
      opendata: {
        title: 'Open data', intro: 'Every notice of the platform is published in the Open Contracting Data Standard (OCDS 1.1). Below is the release feed, oldest first; each row links to its raw JSON.',
        feed: 'Release feed (OCDS release package)', ocid: 'OCID', date: 'Date', tag: 'Tag', release: 'Release', tender: 'Project',
        raw: 'raw JSON', record: 'Project record (OCDS record package)', releases: "All of the project's releases", empty: 'No releases yet.',
        tenderTitle: 'Open data: {tender}', bids: 'Bid statistics', value: 'Value', measure: 'Measure', awards: 'Awards', awardedTo: 'Awarded to', contracts: 'Contracts',
        back: '← Back to open data', packageInfo: 'Publisher {publisher}, {n} releases',
        tags: {
          planning: 'planning', tender: 'tender', tenderUpdate: 'tender update', tenderAmendment: 'tender amendment', tenderCancellation: 'tender cancellation',
          award: 'award', awardUpdate: 'award update', awardCancellation: 'award cancellation', contract: 'contract', contractUpdate: 'contract update',
          contractAmendment: 'contract amendment', implementation: 'implementation', compiled: 'compiled',
        },
      },
      api: {
        title: 'API documentation', intro: "The platform's HTTP API is described in OpenAPI 3.1, generated from the handlers themselves. Every endpoint is listed below by area; the raw document is",
        raw: '/api/openapi.json (raw JSON)', filter: 'Find an endpoint', filterPlaceholder: 'Path, name or description', tag: 'Area',
        params: 'Parameters', responses: 'Responses', body: 'Request body', required: 'required', schema: 'Schema', schemas: 'Schemas',
        in: { path: 'path', query: 'query', header: 'header', cookie: 'cookie' }, count: '{n} endpoints',
        noMatch: 'No endpoint matches.', version: 'Version {v}', fields: 'Fields', type: 'Type', description: 'Description',
      },
      site: {
        operator: 'Operated by', icp: 'ICP filing', police: 'Public security filing', phone: 'Service telephone', email: 'E-mail', address: 'Address',
        demo: 'demo data', identity: 'Site identity',
      },
    },
  },
};
