// Trades found by price (`auction.*`): the public price board, the list of
// trades, the bidder's application, quotes, declarations and receipts, and
// the organiser's set-up, applicants and deposits.
export default {
  zh: {
    auction: {
      kind: {
        land_listing: '国有建设用地使用权挂牌出让', land_auction: '国有建设用地使用权拍卖出让',
        mining_listing: '矿业权挂牌出让', mining_auction: '矿业权拍卖出让', property_online_bidding: '企业国有资产网络竞价',
      },
      phase: {
        scheduled: '尚未开始', open: '挂牌/自由报价中', deciding: '询问是否继续竞价', timed: '限时竞价倒计时',
        awaiting_reserve: '竞价结束，等待揭示底价', decided: '竞价结束',
      },
      until: { scheduled: '开始时间', open: '本阶段截止', deciding: '表态截止', timed: '倒计时结束于' },
      outcome: {
        sold: '成交：竞买号 {number}，成交价 {price}', agreement: '协议成交：竞买号 {number}，价格不低于 {floor}',
        noSale: '未成交（{why}）', void: '交易无效（{why}）',
      },
      noSale: { no_quote: '无人报价', below_reserve: '最高报价低于底价', too_few_bidders: '竞买人不足' },
      restart: {
        every_quote: '每次有效报价后重新计时', within_last: '最后 {window} 秒内报价则延时 {extend} 秒', never: '不延时',
      },
      board: {
        title: '竞价看板：{tender}', heading: '实时竞价', back: '← 返回项目', current: '当前最高报价', startPrice: '起始价',
        leader: '领先竞买号', noQuote: '尚无报价', floor: '下一口最低报价', increment: '增价幅度 {inc}',
        closedAt: '结束于', restarted: '有新报价，倒计时重新开始（{secs} 秒）',
        numbersOnly: '看板只显示竞买号，不显示竞买人名称；竞买人名单在交易结束前保密。',
        join: '参加竞买（竞买人）', manage: '管理交易（出让人）', notTrade: '本项目不是竞价交易。',
        follow: '看板通过 WebSocket 实时更新，断线后自动重连并从最后一条记录续传；倒计时按服务器时间显示。',
      },
      terms: {
        heading: '交易条件', start: '起始价', increment: '增价幅度', deposit: '竞买保证金', startsAt: '报价开始',
        listingEnds: '挂牌截止', freeEnds: '自由报价截止（随后限时竞价）', countdown: '限时竞价', secs: '{n} 秒',
        reserve: '底价', reserveSealed: '设有保密底价，结束后揭示', reserveNone: '未设底价',
        reserveRevealed: '（竞价结束后揭示，与封存时的承诺值相符）', reserveCommitment: '承诺值 SHA-256 {c}', reserveAwaited: '设有保密底价，出让人尚未封存',
      },
      quotes: { heading: '报价记录（{n} 次）', none: '尚无有效报价。', seq: '序号', number: '竞买号', amount: '报价', at: '报价时间（服务器）' },
      list: {
        title: '竞价交易', intro: '土地和矿业权出让、国有产权转让的挂牌、拍卖和网络竞价：价高者得，实时公开。',
        empty: '目前没有竞价交易。', trade: '交易', phase: '阶段', price: '当前价', board: '看板', loading: '正在读取各交易的看板…',
      },
      bidder: {
        title: '参加竞买：{tender}', heading: '我的竞买', signInNote: '参加竞买须使用单位数字证书登录（竞买申请、报价和表态都以证书会话进行）。',
        notApplied: '贵单位尚未提交竞买申请。', apply: '提交竞买申请', applied: '竞买申请已提交',
        status: '资格审核', statusValue: { applied: '待审核', qualified: '已取得竞买资格', refused: '未通过' },
        reason: '理由', deposit: '保证金', depositConfirmed: '已确认 ', depositPending: '未确认：请按公告交纳 {amount}',
        number: '我的竞买号', noNumber: '取得资格且保证金确认后分配',
        quote: '报价', amount: '或输入报价金额（元）', pick: '加价', submitAmount: '以 {amount} 报价', badAmount: '请输入金额，最多两位小数，例如 193000000 或 193,000,000.00。', increments: '{n} 个增价幅度', submit: '提交报价', sending: '正在提交…',
        confirm: '确认以 {amount} 报价？报价一经接受不可撤回。', accepted: '报价已接受：{amount}，序号 #{seq}',
        notNow: '当前阶段不接受报价。', leading: '您的报价目前最高。',
        declare: '表示继续竞价', declareNote: '挂牌期间或期满后的表态时间内，有过报价的竞买人可表示愿意继续参加限时竞价。',
        declared: '已表示继续竞价（记录 #{seq}）',
        receipts: '我的报价回执', noReceipts: '尚无报价回执。', download: '下载时间戳（.tsr）', text: '回执原文（.txt）',
        verifyNote: '用 openssl 核验：openssl ts -verify -data receipt-N.txt -in receipt-N.tsr -CAfile root.pem', root: '平台时间戳服务的根证书（root.pem）',
        refused: '报价未被接受', socketNote: '报价经实时通道提交；通道断开时改用 HTTPS 提交，同一编号不会重复报价。',
      },
      organiser: {
        heading: '竞价交易', notSet: '本项目尚未设置为竞价交易。', setUp: '设置交易条件', save: '保存交易条件', saved: '交易条件已保存。',
        onlyDraft: '交易条件只能在草稿阶段设置，随公告一同发布。', kind: '交易方式', start: '起始价（元）', increment: '增价幅度（元）',
        deposit: '竞买保证金（元）', startsAt: '报价开始', freeUntil: '挂牌截止 / 自由报价截止', countdown: '限时竞价倒计时（秒）',
        applicants: '竞买申请', noApplicants: '尚无竞买申请。', name: '竞买人', appliedAt: '申请时间', status: '资格',
        number: '竞买号', qualify: '审核通过', refuse: '不予通过', refuseReason: '不予通过的理由', deposit2: '保证金',
        recordDeposit: '登记到账', reference: '银行流水号', confirmed: '已到账（{source}）', board: '打开竞价看板',
        source: { organiser: '出让人登记', bank: '银行通知' },
      },
    },
  },
  en: {
    auction: {
      kind: {
        land_listing: 'Land-use rights by listing', land_auction: 'Land-use rights by auction',
        mining_listing: 'Mining rights by listing', mining_auction: 'Mining rights by auction', property_online_bidding: 'State-owned property, online bidding',
      },
      phase: {
        scheduled: 'Not started', open: 'Listing / free bidding', deciding: 'Asking who continues', timed: 'Timed bidding countdown',
        awaiting_reserve: 'Closed, the reserve to be revealed', decided: 'Closed',
      },
      until: { scheduled: 'Starts at', open: 'This phase ends', deciding: 'Declarations end', timed: 'Countdown ends' },
      outcome: {
        sold: 'Sold: bidder no. {number} at {price}', agreement: 'Agreement: bidder no. {number}, at no less than {floor}',
        noSale: 'No sale ({why})', void: 'Void ({why})',
      },
      noSale: { no_quote: 'nobody quoted', below_reserve: 'the highest quote was below the reserve', too_few_bidders: 'too few bidders' },
      restart: {
        every_quote: 'restarts with each valid quote', within_last: 'a quote in the last {window} s extends it by {extend} s', never: 'fixed end',
      },
      board: {
        title: 'Price board: {tender}', heading: 'Live bidding', back: '← Back to the tender', current: 'Highest quote', startPrice: 'Starting price',
        leader: 'Leading bidder no.', noQuote: 'No quote yet', floor: 'Least next quote', increment: 'Increment {inc}',
        closedAt: 'Closed at', restarted: 'A new quote: the countdown starts again ({secs} s)',
        numbersOnly: 'The board shows bidder numbers, never names: who applied stays sealed until the trade is decided.',
        join: 'Take part (bidders)', manage: 'Manage the trade (organiser)', notTrade: 'This tender is not a trade found by price.',
        follow: 'The board updates live over a WebSocket and resumes from the last event after a reconnect; the countdown runs by the server\'s clock.',
      },
      terms: {
        heading: 'Terms', start: 'Starting price', increment: 'Increment', deposit: 'Deposit', startsAt: 'Quoting opens',
        listingEnds: 'Listing ends', freeEnds: 'Free bidding ends (then the countdown)', countdown: 'Timed bidding', secs: '{n} s',
        reserve: 'Reserve price', reserveSealed: 'sealed, revealed at the close', reserveNone: 'none',
        reserveRevealed: '(revealed after the close, matching the commitment made when it was sealed)', reserveCommitment: 'commitment SHA-256 {c}', reserveAwaited: 'a sealed reserve, which the seller has not sealed yet',
      },
      quotes: { heading: 'Quotes ({n})', none: 'No valid quote yet.', seq: 'No.', number: 'Bidder no.', amount: 'Quote', at: 'Time (server)' },
      list: {
        title: 'Trades found by price', intro: 'Listings, auctions and online bidding of land and mining rights and state-owned property: the highest price wins, in public, live.',
        empty: 'No trade at the moment.', trade: 'Trade', phase: 'Phase', price: 'Price now', board: 'Board', loading: 'Reading each trade\'s board…',
      },
      bidder: {
        title: 'Take part: {tender}', heading: 'My participation', signInNote: 'A trade is entered with your enterprise\'s certificate: applying, quoting and declaring all happen in a certificate session.',
        notApplied: 'Your enterprise has not applied.', apply: 'Apply to take part', applied: 'Application made',
        status: 'Qualification', statusValue: { applied: 'waiting for review', qualified: 'qualified', refused: 'refused' },
        reason: 'Reason', deposit: 'Deposit', depositConfirmed: 'confirmed ', depositPending: 'not confirmed: pay {amount} as the notice says',
        number: 'My bidder number', noNumber: 'given once qualified with the deposit confirmed',
        quote: 'Quote', amount: 'Or type an amount (yuan)', pick: 'Raise by', submitAmount: 'Quote {amount}', badAmount: 'Type an amount with at most two decimals, e.g. 193000000 or 193,000,000.00.', increments: '{n} increment(s)', submit: 'Submit the quote', sending: 'Submitting…',
        confirm: 'Quote {amount}? An accepted quote cannot be withdrawn.', accepted: 'Quote accepted: {amount}, record #{seq}',
        notNow: 'No quotes are taken in this phase.', leading: 'Your quote is the highest.',
        declare: 'Declare that we continue', declareNote: 'During the listing or the window after it, a bidder who quoted may declare that it continues into the timed bidding.',
        declared: 'Declared to continue (record #{seq})',
        receipts: 'My quote receipts', noReceipts: 'No receipt yet.', download: 'Timestamp (.tsr)', text: 'Receipt text (.txt)',
        verifyNote: 'Check with openssl: openssl ts -verify -data receipt-N.txt -in receipt-N.tsr -CAfile root.pem', root: 'The platform timestamp authority\'s root (root.pem)',
        refused: 'Quote not accepted', socketNote: 'Quotes go over the live channel; when it is down, over HTTPS, and the same id never quotes twice.',
      },
      organiser: {
        heading: 'Trade found by price', notSet: 'This tender is not set up as a trade yet.', setUp: 'Set up the trade', save: 'Save the terms', saved: 'The terms are saved.',
        onlyDraft: 'The terms are set while the tender is a draft and published with it.', kind: 'Kind', start: 'Starting price (yuan)', increment: 'Increment (yuan)',
        deposit: 'Deposit (yuan)', startsAt: 'Quoting opens', freeUntil: 'Listing / free bidding ends', countdown: 'Countdown (seconds)',
        applicants: 'Applications', noApplicants: 'No application yet.', name: 'Applicant', appliedAt: 'Applied', status: 'Qualification',
        number: 'Bidder no.', qualify: 'Qualify', refuse: 'Refuse', refuseReason: 'Why it is refused', deposit2: 'Deposit',
        recordDeposit: 'Record arrival', reference: 'Bank reference', confirmed: 'arrived ({source})', board: 'Open the price board',
        source: { organiser: 'recorded by the organiser', bank: 'told by the bank' },
      },
    },
  },
};
