// ggzy public notice board: vanilla JS, no build step. API strings are only ever
// rendered with textContent / createElement, never innerHTML.
'use strict';

const I18N = {
  zh: {
    appName: '公共资源交易平台 · GGZY', skip: '跳到主要内容', siteNav: '站点导航',
    noticeBoard: '公告栏', langSwitch: 'English', langSwitchLabel: 'Switch to English',
    loading: '加载中…', filters: '筛选条件', category: '交易类别', league: '交易中心', status: '状态',
    q: '关键词', qPlaceholder: '项目名称或编号', all: '全部', search: '搜索', reset: '重置',
    reference: '项目编号', method: '交易方式', budget: '预算金额', bidDeadline: '投标截止',
    publishedAt: '发布时间', results: '共 {total} 条', empty: '没有符合条件的项目。',
    prev: '上一页', next: '下一页', pageOf: '第 {page} / {pages} 页', pagination: '分页',
    error: '出错了', errorGeneric: '无法加载数据，请稍后重试。', networkError: '网络错误，请检查连接后重试。',
    retry: '重试', back: '← 返回公告栏', tenderer: '招标人/采购人', agent: '代理机构', none: '无',
    amendment: '第 {n} 次变更', description: '项目概况', keyDates: '关键时间',
    docsAvailable: '文件获取开始时间', clarDeadline: '澄清截止时间', bidDeadlineOpening: '投标截止时间（即开标时间）',
    publicityDays: '公示期', days: '{n} 天', lots: '标段（包）', lotNo: '编号', lotTitle: '名称',
    lotDesc: '说明', evaluation: '评标办法', evalMethod: '评标方法', criteria: '评分因素',
    critName: '评分项', critKind: '类型', weight: '分值（满分 100）', points: '{n} 分', priceFormula: '价格分计算',
    documents: '招标文件', docTitle: '文件', filename: '文件名', size: '大小', sha256: 'SHA-256',
    download: '下载', unpublished: '未发布', notices: '公告记录', seq: '序号', kind: '类型', title: '标题',
    clarifications: '答疑澄清', clarNo: '编号', question: '问题', answer: '答复', answeredAt: '答复时间',
    nothing: '暂无', opendata: '开放数据（OCDS）', apiDocs: 'API 文档（JSON）', opendataFeed: '开放数据（OCDS）',
    notFound: '页面不存在', home: '返回首页',
    verifyTitle: '验证电子邮件地址', verifyIntro: '请点击下方按钮确认这是您的电子邮件地址。确认后，平台的通知将同时发送到该地址。',
    verifyButton: '确认验证', verifyDone: '电子邮件地址已验证。平台的通知将发送到该地址。', verifyFailed: '验证未成功',
    verifyNoToken: '链接不完整：请从邮件中完整复制链接后重试。',
    verifyInvalid: '此链接无效：它已被使用过、已被更新的链接取代，或已超过 24 小时有效期。请在平台上重新填写电子邮件地址以获取新链接。',
    releaseLink: '开标：释放我的密钥份额', releaseTitle: '释放开标密钥份额', releaseFailed: '份额未释放', backToTender: '← 返回项目',
    releaseIntro: '您是本项目开标密钥的保管人之一。请选择您的数字证书和私钥：私钥只在本浏览器中使用——用于签名登录和解密您的份额——不会发送到任何地方。',
    certFile: '数字证书（PEM 或 DER）', keyFile: '私钥（PEM：PKCS#8、PKCS#1 或 SEC1）', keyPassword: '私钥口令（私钥加密时填写）',
    releaseButton: '登录并释放份额', openingProgress: '已释放 {released} 份，需要 {threshold} 份',
    notOpening: '本项目当前不在开标阶段（{status}），现在不能释放份额。',
    step: {
      signedIn: '已登录：{name}', downloaded: '已下载加密的份额（x = {x}）', decrypted: '已在本浏览器中解密份额',
      released: '份额已释放：已有 {released} / {threshold} 份', ready: '份额已足够，平台正在解密投标文件。',
      waiting: '等待其他保管人释放份额。', signedOut: '已退出登录。',
    },
    shareErr: {
      chooseFiles: '请先选择证书和私钥文件。',
      noWebCrypto: '此浏览器在本页面不能使用 WebCrypto（页面须通过 HTTPS 访问）。',
      malformed: '文件无法解析：不是有效的 DER 结构。', notPem: '私钥文件不是 PEM 文本。',
      keyNotPem: '私钥文件是 DER 格式，请先转换为 PEM：openssl pkey -inform DER -in key.der -out key.pem',
      noPrivateKey: '文件中没有私钥。',
      legacyEncrypted: '私钥采用 OpenSSL 旧式 PEM 加密，请转换为 PKCS#8：openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem',
      needPassword: '私钥已加密，请输入口令。', wrongPassword: '口令不能打开此私钥。',
      keyEncryption: '私钥的加密方式浏览器无法打开（支持 PBES2：PBKDF2 与 AES-CBC）。',
      keyKind: '这里只能使用 RSA 或 EC（P-256、P-384）私钥。', notCertificate: '证书文件中没有 X.509 证书。',
      notEnveloped: '平台返回的份额无法读取（不是本页面能处理的 CMS EnvelopedData）。',
      otherRecipient: '您的份额加密给了您的另一张证书：请选择项目发布时您使用的证书。',
      pkcs1v15: '此份额使用 RSA PKCS#1 v1.5 加密，浏览器无法解密：请用命令行释放（ggzy opening release-share）。',
      unsupported: '此份额使用了本页面不支持的算法：请用命令行释放（ggzy opening release-share）。',
      keyMismatch: '此私钥打不开份额：它是这张证书的私钥吗？',
      corruptShare: '您的私钥打开了份额的内容密钥，但份额本身无法解密：平台返回的份额已损坏，请联系平台运维。',
    },
    audit: {
      nav: '审计日志验证', title: '审计日志验证',
      intro: '平台的每一项操作都记入审计日志：一棵只增不改的 Merkle 树（RFC 6962），平台定期为它签署检查点。本页在您的浏览器中核验这份日志：日志密钥、每个检查点的签名及其前后衔接、与本浏览器上次所见检查点的一致性；监督人员登录后，还逐条核对日志条目。所有计算都在本浏览器中完成。',
      keyTitle: '日志密钥', keyName: '名称', keyId: '密钥 ID', pinState: '本浏览器',
      pinnedSince: '已于 {date} 固定此密钥', notPinned: '尚未固定：首次验证通过后固定',
      vkey: '日志验证密钥（vkey）',
      vkeyHint: '请粘贴通过其他可信渠道（如公告、书面通知）获得的验证密钥。本浏览器固定过的密钥会预先填入；首次验证时若留空，则采用平台公布的密钥，并在验证通过后固定。',
      signIn: '以监督人员身份登录（可选）',
      signInHint: '逐条核对日志条目需要监督人员登录。私钥只在本浏览器中用于签名登录，不会发送到任何地方；验证结束后自动退出登录。',
      verify: '开始验证', forget: '忘记本浏览器固定的密钥和检查点',
      step: {
        tenders: '已读取项目列表：{done} 个项目', settle: '等待 {seconds} 秒，让最新的操作进入日志',
        key: '日志密钥：{name}（{id}）', latest: '最新检查点：{size} 条，签署于 {time}', checkpoints: '已读取检查点：{done} 个',
        seen: '已核对与上次所见检查点（{size} 条）的一致性', entries: '已下载并核对条目：{done} / {total}',
        proofs: '正在用包含证明定位被改动的条目：{done} / {total}', times: '已核对 {done} 条条目的时间',
      },
      ok: '审计日志验证通过', failed: '审计日志未通过验证：发现 {n} 项问题', error: '验证未能完成', signInFailed: '登录失败',
      results: '验证结果', findings: '发现的问题',
      entries: '已核对条目', hidden: '其中超出您监督范围的条目（只核对哈希）', checkpoints: '已核对检查点', size: '最新检查点的条目数',
      root: '根哈希（Base64）', signedAt: '签署时间', notChecked: '未核对',
      consistent: '与本浏览器 {date} 所见的检查点（{size} 条）一致。',
      firstRun: '本浏览器此前没有验证过此日志：已固定其密钥，并记下最新检查点，供下次验证比对。',
      remembered: '已记下最新检查点，供下次验证比对。', notRemembered: '发现问题时，本浏览器不固定密钥，也不记下检查点。',
      entriesNotChecked: '未核对日志条目：这需要监督人员登录。已核对的是公开部分：日志密钥、每个检查点的签名及其前后衔接，以及与本浏览器上次所见检查点的一致性。',
      msg: {
        givenKeyInvalid: '您填写的不是有效的验证密钥：{cause}',
        keyNotPinned: '日志的密钥不是本浏览器固定的密钥：固定的是 {pinned}，平台公布的是 {published}。如果平台公告了新密钥，请通过其他渠道核实后，先忘记本浏览器固定的密钥。',
        keyNotGiven: '日志的密钥不是您填写的密钥：您填写的是 {given}，平台公布的是 {published}。',
        publishedKeyInvalid: '平台公布的不是有效的验证密钥：{cause}',
        keyName: '平台公布的密钥名称 {name} 与验证密钥中的名称 {vkeyName} 不一致。',
        latestInvalid: '最新检查点：{cause}',
        checkpointInvalid: '{size} 条的检查点：{cause}',
        listingMismatch: '{size} 条的检查点：列表中的数据与其签名内容不符。',
        checkpointOrder: '{size} 条的检查点（签署于 {time}）没有接在 {prevSize} 条的检查点（签署于 {prevTime}）之后。',
        latestNotLast: '最新检查点（{size} 条）不是列出的最后一个检查点。',
        checkpointsMissing: '条目数在 {from} 与 {to} 之间的检查点缺失：被删除了？',
        notChained: '{size} 条的检查点声明紧挨在它之前签署的是 {prevSize} 条的检查点，但列在它之前的是 {beforeSize} 条的检查点。',
        prevRoot: '{size} 条的检查点所声明的 {prevSize} 条检查点，其根哈希与列出的不同：存在另一份历史。',
        chainBroken: '{size} 条的检查点没有声明它之前的检查点，而更早的检查点都有声明。',
        seenInvalid: '本浏览器记下的检查点无法用日志密钥打开：{cause}',
        rewritten: '上次所见的 {seenSize} 条检查点与最新的 {size} 条检查点不一致：日志被改写了。',
        seenNotListed: '上次所见的 {seenSize} 条检查点已不在列表中：被删除了？',
        seenListedOther: '上次所见的 {seenSize} 条检查点现在以另一个根哈希列出：日志被改写了。',
        entryMissing: '第 {index} 条缺失（接下来给出的是第 {next} 条）：从数据库中删除了？',
        leafHashFormat: '第 {index} 条：叶子哈希不是 32 字节的 Base64。',
        leafInputFormat: '第 {index} 条：leaf_input 不是 Base64。',
        leafHashWrong: '第 {index} 条：叶子哈希不是其编码的哈希。',
        encodingMalformed: '第 {index} 条：编码格式错误。',
        eventNotEncoded: '第 {index} 条：显示的事件与编码的事件不同。',
        entryCount: '给出了 {count} 条，而检查点有 {size} 条。',
        seenNotInEntries: '上次所见的 {seenSize} 条检查点与这些条目不一致：日志被改写了。',
        inclusionFailed: '第 {index} 条的包含证明：{cause}',
        entryChanged: '第 {index} 条（序号 {seq}，{objectType} {objectId} 上的 {action}）不是 {size} 条的检查点（签署于 {time}）所签署的内容：在数据库中被改动了。',
        hiddenEntryChanged: '第 {index} 条（超出您的监督范围）不是 {size} 条的检查点（签署于 {time}）所签署的内容：在数据库中被改动了。',
        rootMismatch: '这些条目算不出 {size} 条的检查点（签署于 {time}）所签署的根哈希：第 {from} 至 {size} 条之间有条目被改动。',
        entryAfterCheckpoint: '第 {index} 条声称的时间（{claimed}）晚于首次记录它的检查点（签署于 {time}）。',
        entryBackdated: '第 {index} 条声称的时间（{claimed}）远早于它进入日志的时间（在签署于 {time} 的 {size} 条检查点之后）：事后插入的？',
        tenderNotLogged: '项目 {id} 存在，但日志中没有它的创建记录。',
        noWebCrypto: '此浏览器在本页面不能使用 WebCrypto（页面须通过 HTTPS 访问）。',
        noEd25519: '此浏览器的 WebCrypto 不能验证 Ed25519 签名。',
        vkeyFormat: '格式应为 名称+密钥ID+密钥。', vkeyType: '只支持 Ed25519 密钥（类型 0x01）。', vkeyId: '密钥 ID 与名称和密钥不符。',
        noteFormat: '不是签名笔记（signed note）。', badSignature: '{name} 的签名验证失败。', unsigned: '没有 {name} 的签名。',
        checkpointFormat: '内容不是检查点（来源、条目数、根哈希、时间）。', origin: '来源 {origin} 不是本日志 {name}。',
        proofFormat: '证明不是由 32 字节 Base64 哈希组成的列表。', listFormat: '平台的应答不是列表。', fetch: '{message}',
      },
    },
    pf: {
      lowest_price_base: '低价优先法：以满足要求的最低有效报价为评标基准价，价格得分 =（评标基准价 ÷ 投标报价）× 价格满分。',
      average_deviation: '平均值偏差法：以有效报价的算术平均值为评标基准价；报价每高于基准价 1% 扣 {above} 分，每低于基准价 1% 扣 {below} 分。',
    },
    enum: {
      category: { government_procurement: '政府采购', engineering_construction: '工程建设', land_mining_rights: '土地矿业权', state_owned_property: '国有产权' },
      method: { open_tendering: '公开招标', invited_tendering: '邀请招标', competitive_negotiation: '竞争性谈判', competitive_consultation: '竞争性磋商', inquiry: '询价', single_source: '单一来源', auction: '拍卖', listing: '挂牌' },
      status: { draft: '草稿', published: '招标中', opening: '开标中', evaluating: '评标中', candidates_publicised: '候选人公示', awarded: '已定标', closed: '已结束', cancelled: '已终止', failed: '流标' },
      kind: { tender: '招标公告', amendment: '变更公告', clarification: '澄清公告', cancellation: '终止公告', failure: '流标公告', candidates: '中标候选人公示', award: '中标结果公告', closure: '结束公告' },
      critKind: { technical: '技术', commercial: '商务', price: '价格' },
      evalMethod: { comprehensive_scoring: '综合评分法', lowest_evaluated_price: '经评审的最低投标价法' },
    },
  },
  en: {
    appName: 'Public Resource Trading Platform · GGZY', skip: 'Skip to main content', siteNav: 'Site navigation',
    noticeBoard: 'Notice board', langSwitch: '中文', langSwitchLabel: '切换到中文',
    loading: 'Loading…', filters: 'Filters', category: 'Category', league: 'Trading centre', status: 'Status',
    q: 'Keywords', qPlaceholder: 'Title or reference', all: 'All', search: 'Search', reset: 'Reset',
    reference: 'Reference', method: 'Method', budget: 'Budget', bidDeadline: 'Bid deadline',
    publishedAt: 'Published', results: '{total} results', empty: 'No tenders match these filters.',
    prev: 'Previous', next: 'Next', pageOf: 'Page {page} of {pages}', pagination: 'Pagination',
    error: 'Something went wrong', errorGeneric: 'Could not load data. Please try again later.', networkError: 'Network error. Check your connection and try again.',
    verifyTitle: 'Verify your e-mail address', verifyIntro: 'Press the button to confirm this is your e-mail address. From then on the platform also sends its notifications there.',
    verifyButton: 'Verify', verifyDone: 'Your e-mail address is verified. The platform\'s notifications will be sent there.', verifyFailed: 'Not verified',
    verifyNoToken: 'The link is incomplete: copy the whole link from the message and try again.',
    verifyInvalid: 'This link does not work: it was used already, a newer link replaced it, or its 24 hours have passed. Enter your address on the platform again for a new link.',
    retry: 'Retry', back: '← Back to notice board', tenderer: 'Tenderer', agent: 'Agent', none: 'None',
    amendment: 'Amendment {n}', description: 'Description', keyDates: 'Key dates',
    docsAvailable: 'Documents available from', clarDeadline: 'Clarification deadline', bidDeadlineOpening: 'Bid deadline (= opening time)',
    publicityDays: 'Publicity period', days: '{n} days', lots: 'Lots', lotNo: 'No.', lotTitle: 'Title',
    lotDesc: 'Description', evaluation: 'Evaluation', evalMethod: 'Evaluation method', criteria: 'Criteria',
    critName: 'Criterion', critKind: 'Kind', weight: 'Points (of 100)', points: '{n} pts', priceFormula: 'Price score',
    documents: 'Documents', docTitle: 'Document', filename: 'File name', size: 'Size', sha256: 'SHA-256',
    download: 'Download', unpublished: 'unpublished', notices: 'Notice history', seq: 'No.', kind: 'Kind', title: 'Title',
    clarifications: 'Clarifications', clarNo: 'No.', question: 'Question', answer: 'Answer', answeredAt: 'Answered',
    nothing: 'None yet', opendata: 'Open data (OCDS)', apiDocs: 'API docs (JSON)', opendataFeed: 'Open data feed (OCDS)',
    notFound: 'Page not found', home: 'Go to the notice board',
    releaseLink: 'Opening: release my key share', releaseTitle: 'Release my opening-key share', releaseFailed: 'The share was not released', backToTender: '← Back to the tender',
    releaseIntro: 'You hold a share of this tender\'s opening key. Choose your certificate and private key: the key is used in this browser only, to sign you in and to decrypt your share, and is never sent anywhere.',
    certFile: 'Certificate (PEM or DER)', keyFile: 'Private key (PEM: PKCS#8, PKCS#1 or SEC1)', keyPassword: 'Key password (if the key is encrypted)',
    releaseButton: 'Sign in and release my share', openingProgress: '{released} of {threshold} shares released',
    notOpening: 'This tender is not in its opening ({status}); shares cannot be released now.',
    step: {
      signedIn: 'Signed in as {name}', downloaded: 'Encrypted share downloaded (x = {x})', decrypted: 'Share decrypted in this browser',
      released: 'Share released: {released} of {threshold} in', ready: 'Enough shares are in: the platform is opening the bids.',
      waiting: 'Waiting for the other custodians.', signedOut: 'Signed out.',
    },
    shareErr: {
      chooseFiles: 'Choose the certificate and the private key first.',
      noWebCrypto: 'This browser offers no WebCrypto on this page (it must be served over HTTPS).',
      malformed: 'The file could not be read: it is not valid DER.', notPem: 'The key file is not PEM text.',
      keyNotPem: 'The key file is DER; convert it to PEM first: openssl pkey -inform DER -in key.der -out key.pem',
      noPrivateKey: 'There is no private key in this file.',
      legacyEncrypted: 'This key is encrypted in OpenSSL\'s legacy PEM format; convert it to PKCS#8: openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem',
      needPassword: 'This key is encrypted: enter its password.', wrongPassword: 'The password does not open this key.',
      keyEncryption: 'This key is encrypted in a way the browser cannot open (PBES2 with PBKDF2 and AES-CBC is supported).',
      keyKind: 'Only RSA and EC (P-256, P-384) keys can be used here.', notCertificate: 'The certificate file holds no X.509 certificate.',
      notEnveloped: 'The share the platform sent cannot be read (it is not a CMS EnvelopedData this page handles).',
      otherRecipient: 'Your share is encrypted to another certificate of yours: choose the one you held when the tender was published.',
      pkcs1v15: 'This share is encrypted with RSA PKCS#1 v1.5, which browsers cannot decrypt: release it with the command line (ggzy opening release-share).',
      unsupported: 'This share uses algorithms this page does not handle: release it with the command line (ggzy opening release-share).',
      keyMismatch: 'This private key does not open the share: is it the key of this certificate?',
      corruptShare: 'Your key opened the share\'s content key, but the share itself does not decrypt: the platform sent a damaged share; tell its operators.',
    },
    audit: {
      nav: 'Verify the audit log', title: 'Verify the audit log',
      intro: 'Every action on the platform is recorded in its audit log: an append-only Merkle tree (RFC 6962) whose checkpoints the platform signs as it grows. This page checks the log in your browser: the log\'s key, every checkpoint\'s signature and its link to the one before, and consistency with the checkpoint this browser saw last; signed in as a supervisor, every entry too. All the computing happens in this browser.',
      keyTitle: 'The log\'s key', keyName: 'Name', keyId: 'Key ID', pinState: 'This browser',
      pinnedSince: 'pinned this key on {date}', notPinned: 'not pinned yet: pinned by the first run that verifies',
      vkey: 'The log\'s verifier key (vkey)',
      vkeyHint: 'Paste the verifier key you obtained through another trusted channel (a notice, a letter). The key this browser pinned is filled in; left empty on a first run, the key the platform publishes is taken and pinned once the run verifies.',
      signIn: 'Sign in as a supervisor (optional)',
      signInHint: 'Checking the log\'s entries one by one needs a supervisor\'s sign-in. The key is used in this browser only, to sign you in, and is never sent anywhere; you are signed out when the check ends.',
      verify: 'Verify', forget: 'Forget the key and checkpoint this browser pinned',
      step: {
        tenders: 'Tenders listed: {done}', settle: 'Waiting {seconds} s for the latest actions to join the log',
        key: 'The log\'s key: {name} ({id})', latest: 'Latest checkpoint: {size} entries, signed {time}', checkpoints: 'Checkpoints read: {done}',
        seen: 'Consistency with the checkpoint seen last ({size} entries) checked', entries: 'Entries downloaded and checked: {done} of {total}',
        proofs: 'Finding the changed entries with inclusion proofs: {done} of {total}', times: 'Times of {done} entries checked',
      },
      ok: 'The audit log verifies', failed: 'The audit log does not verify: {n} finding(s)', error: 'The check could not be completed', signInFailed: 'Sign-in failed',
      results: 'Results', findings: 'Findings',
      entries: 'Entries checked', hidden: 'Of which outside your scope (hash checked only)', checkpoints: 'Checkpoints checked', size: 'Entries in the latest checkpoint',
      root: 'Root hash (base64)', signedAt: 'Signed', notChecked: 'not checked',
      consistent: 'Consistent with the checkpoint this browser saw on {date} ({size} entries).',
      firstRun: 'This browser had not verified this log before: its key is pinned now, and the latest checkpoint remembered for the next run.',
      remembered: 'The latest checkpoint is remembered for the next run.', notRemembered: 'With findings, this browser pins no key and remembers no checkpoint.',
      entriesNotChecked: 'The entries were not checked: that needs a supervisor\'s sign-in. What is public was checked: the log\'s key, every checkpoint\'s signature and its link to the one before, and consistency with the checkpoint this browser saw last.',
      msg: {
        givenKeyInvalid: 'The key you gave is not a verifier key: {cause}',
        keyNotPinned: 'The log\'s key is not the one this browser pinned: pinned {pinned}, published {published}. If the platform has announced a new key, check it through another channel, then forget the pinned key.',
        keyNotGiven: 'The log\'s key is not the one you gave: given {given}, published {published}.',
        publishedKeyInvalid: 'The key the log publishes is not a verifier key: {cause}',
        keyName: 'The log\'s key is published as {name} but its verifier key names {vkeyName}.',
        latestInvalid: 'The latest checkpoint: {cause}',
        checkpointInvalid: 'Checkpoint of {size} entries: {cause}',
        listingMismatch: 'Checkpoint of {size} entries: the listing does not match its signed note.',
        checkpointOrder: 'The checkpoint of {size} entries (signed {time}) does not follow the one of {prevSize} (signed {prevTime}).',
        latestNotLast: 'The latest checkpoint ({size} entries) is not the last of the listed checkpoints.',
        checkpointsMissing: 'Checkpoint(s) between size {from} and {to} are missing: deleted?',
        notChained: 'The checkpoint of {size} entries names the one of {prevSize} entries as signed just before it, but the one listed before it has {beforeSize} entries.',
        prevRoot: 'The checkpoint of {size} entries names a checkpoint of {prevSize} entries with another root than the one listed: another history.',
        chainBroken: 'The checkpoint of {size} entries names no checkpoint before it, though earlier ones do.',
        seenInvalid: 'The checkpoint this browser remembered does not open with the log\'s key: {cause}',
        rewritten: 'The checkpoint of {seenSize} entries seen last time is not consistent with the latest of {size}: the log was rewritten.',
        seenNotListed: 'The checkpoint of {seenSize} entries seen last time is no longer listed: deleted?',
        seenListedOther: 'The checkpoint of {seenSize} entries seen last time is listed with another root: the log was rewritten.',
        entryMissing: 'Entry {index} is missing (the next one given is {next}): deleted from the database?',
        leafHashFormat: 'Entry {index}: the leaf hash is not 32 bytes of base64.',
        leafInputFormat: 'Entry {index}: leaf_input is not base64.',
        leafHashWrong: 'Entry {index}: its leaf hash is not its encoding\'s.',
        encodingMalformed: 'Entry {index}: the encoding is malformed.',
        eventNotEncoded: 'Entry {index}: the event shown is not the one encoded.',
        entryCount: '{count} entries given for a checkpoint of {size}.',
        seenNotInEntries: 'The checkpoint of {seenSize} entries seen last time is not consistent with these entries: the log was rewritten.',
        inclusionFailed: 'Inclusion proof of entry {index}: {cause}',
        entryChanged: 'Entry {index} (seq {seq}, {action} on {objectType} {objectId}) is not what the checkpoint of {size} entries (signed {time}) signed: changed in the database.',
        hiddenEntryChanged: 'Entry {index} (outside your scope) is not what the checkpoint of {size} entries (signed {time}) signed: changed in the database.',
        rootMismatch: 'The entries do not give the root the checkpoint of {size} entries (signed {time}) signed: an entry between {from} and {size} was changed.',
        entryAfterCheckpoint: 'Entry {index} claims a time ({claimed}) after the checkpoint that first logged it (signed {time}).',
        entryBackdated: 'Entry {index} claims a time ({claimed}) long before it joined the log (after the checkpoint of {size} entries, signed {time}): inserted afterwards?',
        tenderNotLogged: 'Tender {id} exists but its creation is not in the log.',
        noWebCrypto: 'This browser offers no WebCrypto on this page (it must be served over HTTPS).',
        noEd25519: 'This browser\'s WebCrypto cannot verify Ed25519 signatures.',
        vkeyFormat: 'it is not name+key id+key.', vkeyType: 'only Ed25519 keys (type 0x01) are known.', vkeyId: 'its key id does not match its name and key.',
        noteFormat: 'it is not a signed note.', badSignature: 'the signature by {name} does not verify.', unsigned: 'it carries no signature by {name}.',
        checkpointFormat: 'its text is not a checkpoint (origin, size, root, time).', origin: 'its origin {origin} is not the log {name}.',
        proofFormat: 'the proof is not a list of 32-byte base64 hashes.', listFormat: 'the platform\'s answer is not a list.', fetch: '{message}',
      },
    },
    pf: {
      lowest_price_base: 'Lowest price as base: the lowest valid bid is the base price; price score = (base price ÷ bid price) × max price score.',
      average_deviation: 'Average deviation: the mean of valid bids is the base price; deduct {above} point(s) per 1% above it and {below} point(s) per 1% below it.',
    },
    enum: {
      category: { government_procurement: 'Government procurement', engineering_construction: 'Engineering construction', land_mining_rights: 'Land & mining rights', state_owned_property: 'State-owned property' },
      method: { open_tendering: 'Open tendering', invited_tendering: 'Invited tendering', competitive_negotiation: 'Competitive negotiation', competitive_consultation: 'Competitive consultation', inquiry: 'Request for quotation', single_source: 'Single source', auction: 'Auction', listing: 'Listing' },
      status: { draft: 'Draft', published: 'Open for bids', opening: 'Opening', evaluating: 'Evaluating', candidates_publicised: 'Candidates publicised', awarded: 'Awarded', closed: 'Closed', cancelled: 'Cancelled', failed: 'Failed' },
      kind: { tender: 'Tender notice', amendment: 'Amendment', clarification: 'Clarification', cancellation: 'Cancellation', failure: 'Failure notice', candidates: 'Candidates', award: 'Award', closure: 'Closure' },
      critKind: { technical: 'Technical', commercial: 'Commercial', price: 'Price' },
      evalMethod: { comprehensive_scoring: 'Comprehensive scoring', lowest_evaluated_price: 'Lowest evaluated price' },
    },
  },
};
const ENUMS = {
  category: Object.keys(I18N.zh.enum.category),
  status: Object.keys(I18N.zh.enum.status),
};
const LOCALES = { zh: 'zh-CN', en: 'en' };
const PER_PAGE = 20;

// ---------- language ----------
let lang = (() => {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'en' || fromUrl === 'zh') { try { localStorage.setItem('ggzy.lang', fromUrl); } catch (_) {} return fromUrl; }
  try { const s = localStorage.getItem('ggzy.lang'); if (s === 'en' || s === 'zh') return s; } catch (_) {}
  return 'zh';
})();
const locale = () => LOCALES[lang];

function t(key, vars) {
  const look = (d) => key.split('.').reduce((o, k) => (o == null ? o : o[k]), d);
  let s = look(I18N[lang]);
  if (s == null) s = look(I18N.zh);
  if (typeof s !== 'string') return key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
}
const tEnum = (group, value) => {
  const s = I18N[lang].enum[group]?.[value];
  return s ?? (value == null ? '—' : String(value));
};

function setLang(next) {
  lang = next;
  try { localStorage.setItem('ggzy.lang', lang); } catch (_) {}
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) { url.searchParams.set('lang', lang); history.replaceState(history.state, '', url); }
  applyStatic();
  route();
}

function applyStatic() {
  document.documentElement.lang = locale();
  document.querySelectorAll('[data-i18n]').forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.querySelectorAll('[data-i18n-aria]').forEach((n) => n.setAttribute('aria-label', t(n.dataset.i18nAria)));
  const btn = document.getElementById('lang-toggle');
  btn.textContent = t('langSwitch');
  btn.lang = lang === 'zh' ? 'en' : 'zh-CN';
  btn.setAttribute('aria-label', t('langSwitchLabel'));
}

// ---------- DOM helpers (text only) ----------
function h(tag, attrs, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'text') n.textContent = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return n;
}
// Only allow same-origin paths or http(s) URLs from the API as hrefs.
const safeHref = (u) => (typeof u === 'string' && (/^\/(?!\/)/.test(u) || /^https?:\/\//i.test(u)) ? u : null);

// ---------- formatting ----------
function money(fen, currency = 'CNY') {
  if (fen == null || !Number.isFinite(Number(fen))) return '—';
  const n = Math.trunc(Number(fen));
  const abs = Math.abs(n);
  const cents = abs % 100;
  const yuan = (abs - cents) / 100; // exact: integer arithmetic only
  let parts;
  try {
    parts = new Intl.NumberFormat(locale(), { style: 'currency', currency, currencyDisplay: 'narrowSymbol', minimumFractionDigits: 2, maximumFractionDigits: 2 }).formatToParts(yuan);
  } catch (_) {
    parts = [{ type: 'currency', value: currency + ' ' }, ...new Intl.NumberFormat(locale(), { minimumFractionDigits: 2 }).formatToParts(yuan)];
  }
  const s = parts.map((p) => (p.type === 'fraction' ? String(cents).padStart(2, '0') : p.value)).join('');
  return n < 0 ? '-' + s : s;
}
function dateTime(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', { text: iso });
  const text = new Intl.DateTimeFormat(locale(), { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return h('time', { datetime: iso, title: iso, text });
}
function bytes(n) {
  if (n == null || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0, v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? String(v) : new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(v)) + ' ' + units[i];
}
const statusBadge = (s) => h('span', { class: 'badge badge-' + String(s).replace(/[^a-z_]/g, ''), text: tEnum('status', s) });

// ---------- API ----------
class ApiError extends Error {
  constructor(title, detail, status) { super(title); this.title = title; this.detail = detail; this.status = status; }
}
// One request to the API; a refusal becomes an ApiError with the problem's
// title and detail.
async function apiCall(method, path, { token, json, accept } = {}) {
  const headers = { Accept: accept || 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  let res;
  try { res = await fetch(path, { method, headers, body, credentials: 'same-origin' }); }
  catch (_) { throw new ApiError(t('error'), t('networkError'), 0); }
  if (!res.ok) {
    let problem = null;
    try { problem = await res.json(); } catch (_) { /* non-JSON body */ }
    throw new ApiError(problem?.title || `${t('error')} (HTTP ${res.status})`, problem?.detail || (problem?.title ? '' : t('errorGeneric')), res.status);
  }
  return res;
}
async function api(path, options) {
  const res = await apiCall('GET', path, options);
  let body = null;
  try { body = await res.json(); } catch (_) { /* non-JSON body */ }
  if (body == null) throw new ApiError(t('error'), t('errorGeneric'), res.status);
  return body;
}
let leaguesCache = null;
let leaguesLoaded = [];
async function leagues() {
  if (!leaguesCache) leaguesCache = api('/api/v1/leagues').then((r) => r.items || []).catch((e) => { leaguesCache = null; throw e; });
  return leaguesCache;
}
function leagueName(code, fallback) {
  const l = leaguesLoaded.find((x) => x.code === code);
  if (!l) return fallback || code || '—';
  return (lang === 'en' && l.name_en) ? l.name_en : l.name;
}

// ---------- routing ----------
const FILTER_KEYS = ['category', 'league', 'status', 'q'];
function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const qi = raw.indexOf('?');
  const path = qi < 0 ? raw : raw.slice(0, qi);
  const params = new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1));
  return { path, params };
}
function listHash(filters, page) {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (filters[k]) p.set(k, filters[k]);
  if (page > 1) p.set('page', String(page));
  const qs = p.toString();
  return '#/' + (qs ? '?' + qs : '');
}

const app = () => document.getElementById('app');
let renderToken = 0;
let lastPath = null;

async function route() {
  const token = ++renderToken;
  const { path, params } = parseHash();
  const isCurrent = () => token === renderToken;
  const pathChanged = path !== lastPath;
  lastPath = path;
  let m;
  try {
    if (path === '/' || path === '') await renderList(params, isCurrent);
    else if ((m = path.match(/^\/tenders\/([^/]+)$/))) await renderDetail(decodeURIComponent(m[1]), isCurrent);
    else if ((m = path.match(/^\/tenders\/([^/]+)\/release$/))) await renderRelease(decodeURIComponent(m[1]), isCurrent);
    else if (path === '/audit') await renderAudit(isCurrent);
    else if ((m = path.match(/^\/verify-email\/?([A-Za-z0-9_]*)$/))) renderVerifyEmail(m[1]);
    else { if (isCurrent()) renderNotFound(); }
  } catch (e) {
    if (isCurrent()) renderError(e);
  }
  if (isCurrent() && pathChanged) {
    const h1 = app().querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
  }
}

function renderLoading(title) {
  app().replaceChildren(h('h1', { class: 'page-title', text: title }), h('p', { class: 'loading', role: 'status', text: t('loading') }));
}
function errorBox(e) {
  const title = e instanceof ApiError ? e.title : t('error');
  const detail = e instanceof ApiError ? e.detail : t('errorGeneric');
  return h('div', { class: 'alert', role: 'alert' },
    h('strong', { text: title }), detail ? h('p', { text: detail }) : null,
    h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => route(), text: t('retry') }));
}
function renderError(e) {
  const box = app().querySelector('.results');
  if (box) box.replaceChildren(errorBox(e));
  else app().replaceChildren(h('p', { class: 'crumbs' }, h('a', { href: '#/', text: t('back') })), h('h1', { class: 'page-title', text: t('error') }), errorBox(e));
  document.title = `${t('error')} · ${t('appName')}`;
}
// ---------- e-mail verification ----------
// The link in the verification message opens this page; the token is sent
// only when the user presses the button (a link scanner that fetches the
// page verifies nothing).
function renderVerifyEmail(token) {
  document.title = `${t('verifyTitle')} · ${t('appName')}`;
  const status = h('div', { role: 'status', 'aria-live': 'polite' });
  if (!token) {
    app().replaceChildren(h('h1', { class: 'page-title', text: t('verifyTitle') }),
      h('div', { class: 'alert', role: 'alert' }, h('p', { text: t('verifyNoToken') })));
    return;
  }
  const button = h('button', { type: 'button', class: 'btn', text: t('verifyButton') });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await apiCall('POST', '/api/v1/email-verifications', { json: { token } });
      status.replaceChildren(h('p', { class: 'ok', text: t('verifyDone') }));
      button.remove();
    } catch (e) {
      status.replaceChildren(h('div', { class: 'alert', role: 'alert' },
        h('strong', { text: t('verifyFailed') }),
        h('p', { text: e instanceof ApiError ? (e.status === 422 ? t('verifyInvalid') : e.detail || e.title) : t('errorGeneric') })));
      button.disabled = false;
    }
  });
  app().replaceChildren(h('h1', { class: 'page-title', text: t('verifyTitle') }),
    h('p', { text: t('verifyIntro') }), button, status, h('p', {}, h('a', { href: '#/', text: t('home') })));
}

function renderNotFound() {
  app().replaceChildren(h('h1', { class: 'page-title', text: t('notFound') }), h('p', {}, h('a', { href: '#/', text: t('home') })));
}

// ---------- list view ----------
async function renderList(params, isCurrent) {
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, (params.get(k) || '').trim()]));
  const page = Math.max(1, parseInt(params.get('page'), 10) || 1);
  document.title = `${t('noticeBoard')} · ${t('appName')}`;

  const sel = (name, options) => h('div', { class: 'field' },
    h('label', { for: 'f-' + name, text: t(name) }),
    h('select', { id: 'f-' + name, name }, h('option', { value: '', text: t('all') }),
      options.map(([v, label]) => h('option', { value: v, selected: v === filters[name], text: label }))));

  const leagueSel = sel('league', filters.league ? [[filters.league, filters.league]] : []);
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('filters'), onsubmit: (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    const f = Object.fromEntries(FILTER_KEYS.map((k) => [k, String(fd.get(k) || '').trim()]));
    const target = listHash(f, 1);
    if (location.hash === target) route(); else location.hash = target;
  } },
    sel('category', ENUMS.category.map((c) => [c, tEnum('category', c)])),
    leagueSel,
    sel('status', ENUMS.status.map((s) => [s, tEnum('status', s)])),
    h('div', { class: 'field field-q' }, h('label', { for: 'f-q', text: t('q') }),
      h('input', { id: 'f-q', name: 'q', type: 'search', value: filters.q, placeholder: t('qPlaceholder'), autocomplete: 'off' })),
    h('div', { class: 'field field-actions' },
      h('button', { type: 'submit', class: 'btn', text: t('search') }),
      h('a', { class: 'btn btn-secondary', href: '#/', text: t('reset') })));
  const results = h('div', { class: 'results', 'aria-busy': 'true' }, h('p', { class: 'loading', role: 'status', text: t('loading') }));
  app().replaceChildren(h('h1', { class: 'page-title', text: t('noticeBoard') }), form, results);

  // Populate leagues asynchronously; the list itself does not depend on it.
  leagues().then((items) => {
    if (!isCurrent()) return;
    leaguesLoaded = items;
    const s = leagueSel.querySelector('select');
    s.replaceChildren(h('option', { value: '', text: t('all') }),
      ...items.map((l) => h('option', { value: l.code, selected: l.code === filters.league, text: (lang === 'en' && l.name_en) ? l.name_en : l.name })));
    results.querySelectorAll('[data-league]').forEach((n) => { n.textContent = leagueName(n.dataset.league, n.textContent); });
  }).catch(() => { /* non-fatal: filter keeps current value only */ });

  const qs = new URLSearchParams();
  for (const k of FILTER_KEYS) if (filters[k]) qs.set(k, filters[k]);
  qs.set('page', String(page));
  qs.set('per_page', String(PER_PAGE));
  const data = await api('/api/v1/tenders?' + qs);
  if (!isCurrent()) return;

  const items = data.items || [];
  const perPage = data.per_page || PER_PAGE;
  const total = data.total ?? items.length;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const cur = data.page || page;
  results.removeAttribute('aria-busy');
  if (!items.length) {
    results.replaceChildren(...[h('p', { class: 'empty', text: t('empty') }), cur > 1 ? pager(filters, cur, pages) : null].filter(Boolean));
    return;
  }
  results.replaceChildren(
    h('p', { class: 'result-count muted', text: t('results', { total }) }),
    h('ol', { class: 'tender-list' }, items.map(tenderCard)),
    pager(filters, cur, pages));
}

function tenderCard(x) {
  return h('li', { class: 'card' },
    h('div', { class: 'card-head' },
      h('span', { class: 'ref mono', text: x.reference }), statusBadge(x.status)),
    h('h2', { class: 'card-title' }, h('a', { href: '#/tenders/' + encodeURIComponent(x.id), text: x.title })),
    h('dl', { class: 'meta' },
      metaItem(t('category'), tEnum('category', x.category)),
      metaItem(t('method'), tEnum('method', x.method)),
      metaItem(t('league'), h('span', { 'data-league': x.league_code, text: leagueName(x.league_code, x.league_name) })),
      metaItem(t('budget'), h('span', { class: 'money', text: money(x.budget?.amount_fen, x.budget?.currency) })),
      metaItem(t('bidDeadline'), dateTime(x.bid_deadline)),
      x.published_at ? metaItem(t('publishedAt'), dateTime(x.published_at)) : null));
}
const metaItem = (label, value) => h('div', {}, h('dt', { text: label }), h('dd', {}, value));

function pager(filters, page, pages) {
  const link = (p, label, rel) => (p >= 1 && p <= pages
    ? h('a', { class: 'btn btn-secondary', href: listHash(filters, p), rel, text: label })
    : h('span', { class: 'btn btn-secondary disabled', 'aria-disabled': 'true', text: label }));
  return h('nav', { class: 'pager', 'aria-label': t('pagination') },
    link(Math.min(page - 1, pages), t('prev'), 'prev'),
    h('span', { class: 'page-of', 'aria-current': 'page', text: t('pageOf', { page, pages }) }),
    link(page + 1, t('next'), 'next'));
}

// ---------- detail view ----------
async function renderDetail(id, isCurrent) {
  renderLoading(t('noticeBoard'));
  const [x] = await Promise.all([
    api('/api/v1/tenders/' + encodeURIComponent(id)),
    leagues().then((l) => { leaguesLoaded = l; }).catch(() => {}),
  ]);
  if (!isCurrent()) return;
  document.title = `${x.title} · ${t('appName')}`;
  const dates = x.dates || {};
  const section = (key, ...content) => h('section', { class: 'panel', 'aria-labelledby': 's-' + key },
    h('h2', { id: 's-' + key, text: t(key) }), ...content);
  const nothing = () => h('p', { class: 'muted', text: t('nothing') });
  const table = (cols, rows) => h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, rows)));

  const lots = x.lots || [];
  const docs = x.documents || [];
  const notices = [...(x.notices || [])].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const clar = (x.clarifications || []).filter((c) => c.answer);

  app().replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/', text: t('back') })),
    h('div', { class: 'detail-head' },
      h('div', { class: 'card-head' }, h('span', { class: 'ref mono', text: x.reference }), statusBadge(x.status),
        x.amendment_version > 0 ? h('span', { class: 'badge badge-amend', text: t('amendment', { n: x.amendment_version }) }) : null),
      h('h1', { class: 'page-title', text: x.title }),
      h('dl', { class: 'meta meta-wide' },
        metaItem(t('category'), tEnum('category', x.category)),
        metaItem(t('method'), tEnum('method', x.method)),
        metaItem(t('league'), leagueName(x.league_code, x.league_name)),
        metaItem(t('tenderer'), x.tenderer?.name || '—'),
        metaItem(t('agent'), x.agent?.name || t('none')),
        metaItem(t('budget'), h('span', { class: 'money', text: money(x.budget?.amount_fen, x.budget?.currency) })),
        x.published_at ? metaItem(t('publishedAt'), dateTime(x.published_at)) : null),
      h('p', { class: 'actions' },
        x.status === 'opening' ? h('a', { class: 'btn', id: 'release-link', href: '#/tenders/' + encodeURIComponent(x.id) + '/release', text: t('releaseLink') }) : null,
        h('a', { class: 'btn btn-secondary', href: '/api/v1/opendata/tenders/' + encodeURIComponent(x.id) + '/releases', type: 'application/json', text: t('opendata') }))),

    section('description', x.description ? h('div', { class: 'prose', text: x.description }) : nothing()),

    section('keyDates', h('dl', { class: 'meta meta-wide' },
      metaItem(t('docsAvailable'), dateTime(dates.documents_available_at ?? x.documents_available_at)),
      metaItem(t('clarDeadline'), dateTime(dates.clarification_deadline)),
      metaItem(t('bidDeadlineOpening'), dateTime(dates.bid_deadline ?? x.bid_deadline)),
      metaItem(t('publicityDays'), dates.publicity_days != null ? t('days', { n: dates.publicity_days }) : '—'))),

    section('lots', lots.length ? table([t('lotNo'), t('lotTitle'), t('lotDesc'), t('budget')], lots.map((l) =>
      h('tr', {}, h('td', { text: l.number }), h('td', { text: l.title }), h('td', { class: 'prose', text: l.description || '' }),
        h('td', { class: 'num money', text: money(l.budget_fen, x.budget?.currency) })))) : nothing()),

    section('evaluation', evaluationView(x.evaluation)),

    section('documents', docs.length ? table([t('docTitle'), t('filename'), t('size'), t('sha256'), ''], docs.map((d) => {
      const href = safeHref(d.download_url);
      const sha = d.sha256 || '';
      return h('tr', {},
        h('td', {}, d.title, d.published === false ? h('span', { class: 'badge badge-draft', text: t('unpublished') }) : null),
        h('td', { class: 'mono break', text: d.filename }),
        h('td', { class: 'num', text: bytes(d.size) }),
        h('td', {}, h('code', { class: 'mono', title: sha, text: sha.length > 16 ? sha.slice(0, 16) + '…' : sha })),
        h('td', {}, href ? h('a', { href, download: d.filename || true, type: d.media_type, text: t('download'),
          'aria-label': `${t('download')} ${d.title || d.filename || ''}`.trim() }) : '—'));
    })) : nothing()),

    section('notices', notices.length ? h('ol', { class: 'timeline' }, notices.map((n) => h('li', { class: 'notice' },
      h('div', { class: 'notice-head' },
        h('span', { class: 'seq', text: '#' + n.seq }),
        h('span', { class: 'badge badge-kind', text: tEnum('kind', n.kind) }),
        dateTime(n.published_at)),
      h('h3', { text: n.title }),
      n.body ? h('div', { class: 'prose', text: n.body }) : null))) : nothing()),

    section('clarifications', clar.length ? h('ol', { class: 'qa' }, clar.map((c) => h('li', {},
      h('div', { class: 'notice-head' }, h('span', { class: 'seq', text: '#' + c.number }), dateTime(c.answered_at)),
      h('dl', {},
        h('dt', { text: t('question') }), h('dd', { class: 'prose', text: c.question }),
        h('dt', { text: t('answer') }), h('dd', { class: 'prose', text: c.answer }))))) : nothing()),
  );
}

function evaluationView(ev) {
  if (!ev) return h('p', { class: 'muted', text: '—' });
  const out = [h('dl', { class: 'meta' }, metaItem(t('evalMethod'), tEnum('evalMethod', ev.method)))];
  if (ev.method === 'comprehensive_scoring') {
    const crit = ev.criteria || [];
    if (crit.length) {
      out.push(h('h3', { text: t('criteria') }), h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, [t('critName'), t('critKind'), t('weight')].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, crit.map((c) => h('tr', {},
          h('td', { text: c.name }), h('td', { text: tEnum('critKind', c.kind) }),
          h('td', { class: 'num', text: c.weight != null ? t('points', { n: c.weight }) : '—' })))))));
    }
    const pf = ev.price_formula;
    if (pf) {
      const known = pf.kind in I18N[lang].pf;
      out.push(h('h3', { text: t('priceFormula') }), h('p', {
        text: known ? t('pf.' + pf.kind, { above: pf.above_deduct_per_pct ?? '—', below: pf.below_deduct_per_pct ?? '—' }) : String(pf.kind),
      }));
    }
  }
  return out;
}

// ---------- signing in with a certificate and its key (share.js) ----------
// The private key is read from its file into WebCrypto and signs the login
// challenge in this page; it is never sent anywhere.
const fileField = (input, label) => h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input);
// The password field is emptied once the key is open.
async function signInWithFiles(certFile, keyFile, password) {
  if (!certFile || !keyFile) throw new GgzyShare.ShareError('chooseFiles');
  const certificate = GgzyShare.readCertificate(new Uint8Array(await certFile.arrayBuffer()));
  const privateKey = await GgzyShare.readPrivateKey(new Uint8Array(await keyFile.arrayBuffer()), password.value);
  password.value = '';
  const challenge = await (await apiCall('POST', '/api/v1/auth/challenges', { json: {} })).json();
  const signature = await GgzyShare.signChallenge(privateKey, challenge.challenge);
  const login = await (await apiCall('POST', '/api/v1/auth/login', {
    json: { challenge_id: challenge.id, certificate: certificate.base64, signature, format: 'raw' },
  })).json();
  return { token: login.token, name: login.principal?.name || '', certificate, privateKey };
}
// Ends the session; whether it could be ended (otherwise it expires).
async function signOut(token) {
  try { await apiCall('DELETE', '/api/v1/auth/session', { token }); return true; } catch (_) { return false; }
}

// ---------- releasing an opening-key share (custodians) ----------
// The custodian's key stays in this page (share.js): it signs the login
// challenge and decrypts the share; only the decrypted share is sent, as the
// API and the command line do. The session is ended when the release is done.
async function renderRelease(id, isCurrent) {
  renderLoading(t('releaseTitle'));
  const path = '/api/v1/tenders/' + encodeURIComponent(id);
  const x = await api(path);
  const opening = x.status === 'opening' ? await api(path + '/opening').catch(() => null) : null;
  if (!isCurrent()) return;
  document.title = `${t('releaseTitle')} · ${x.title} · ${t('appName')}`;
  const progress = h('p', { id: 'opening-progress', class: 'muted', text: opening ? t('openingProgress', { released: opening.shares_released, threshold: opening.threshold }) : '' });
  const steps = h('ol', { id: 'release-steps', class: 'steps', 'aria-live': 'polite' });
  const outcome = h('div', { id: 'release-outcome' });
  const cert = h('input', { type: 'file', id: 'share-cert', accept: '.pem,.crt,.cer,.der' });
  const key = h('input', { type: 'file', id: 'share-key', accept: '.pem,.key' });
  const password = h('input', { type: 'password', id: 'share-password', autocomplete: 'off' });
  const button = h('button', { type: 'submit', class: 'btn', text: t('releaseButton') });
  const form = h('form', { class: 'panel release-form', onsubmit: (ev) => { ev.preventDefault(); release(); } },
    fileField(cert, t('certFile')), fileField(key, t('keyFile')), fileField(password, t('keyPassword')), h('p', {}, button));

  app().replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/tenders/' + encodeURIComponent(x.id), text: t('backToTender') })),
    h('h1', { class: 'page-title', text: t('releaseTitle') }),
    h('p', {}, h('span', { class: 'ref mono', text: x.reference }), ' ', x.title, ' ', statusBadge(x.status)),
    ...(x.status === 'opening'
      ? [h('p', { text: t('releaseIntro') }), progress, form, steps, outcome]
      : [h('div', { class: 'alert', role: 'alert', text: t('notOpening', { status: tEnum('status', x.status) }) })]));

  async function release() {
    button.disabled = true;
    steps.replaceChildren();
    outcome.replaceChildren();
    delete outcome.dataset.state;
    const step = (text) => steps.append(h('li', { text }));
    let token = null;
    try {
      const { token: session, name, certificate, privateKey } = await signInWithFiles(cert.files[0], key.files[0], password);
      token = session;
      step(t('step.signedIn', { name }));
      const res = await apiCall('GET', path + '/opening-key/my-share', { token, accept: 'application/pkcs7-mime' });
      const encrypted = new Uint8Array(await res.arrayBuffer());
      step(t('step.downloaded', { x: res.headers.get('X-Share-X') ?? '?' }));
      const share = await GgzyShare.openShare(encrypted, privateKey, certificate);
      step(t('step.decrypted'));
      const plain = GgzyShare.base64(share);
      share.fill(0);
      const view = await (await apiCall('POST', path + '/opening/shares', { token, json: { share: plain } })).json();
      step(t('step.released', view));
      progress.textContent = t('openingProgress', view);
      outcome.dataset.state = 'released';
      outcome.replaceChildren(h('p', { class: 'ok', role: 'status', text: view.ready ? t('step.ready') : t('step.waiting') }));
    } catch (e) {
      outcome.dataset.state = 'failed';
      const [title, detail] = e instanceof GgzyShare.ShareError ? [t('releaseFailed'), t('shareErr.' + e.code, e.vars)]
        : e instanceof ApiError ? [e.title, e.detail] : [t('error'), t('errorGeneric')];
      outcome.replaceChildren(h('div', { class: 'alert', role: 'alert' }, h('strong', { text: title }), detail ? h('p', { text: detail }) : null));
    } finally {
      if (token && await signOut(token)) step(t('step.signedOut'));
      button.disabled = false;
    }
  }
}

// ---------- verifying the audit log (supervisors) ----------
// The checks are auditlog.js's. This page takes the key to expect, signs the
// supervisor in when a certificate is chosen (entries need it), shows the
// progress and the findings, and keeps in this browser (localStorage, one item
// per log name) the key and the latest checkpoint of a run that found nothing,
// for the next run to compare with.
const AUDIT_STORE = 'ggzy.auditlog.';
function auditMemory(name) {
  try {
    const m = JSON.parse(localStorage.getItem(AUDIT_STORE + name));
    return m && typeof m.vkey === 'string' && typeof m.checkpoint === 'string' ? m : null;
  } catch (_) { return null; }
}
// Unix seconds (the checkpoints' times), to the second, in the local zone.
const auditTime = (secs) => new Intl.DateTimeFormat(locale(), { year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short' }).format(new Date(secs * 1000));
// A finding or an error of auditlog.js, {code, ...vars}, in words; a `cause`
// is itself one, and times are Unix seconds.
const AUDIT_TIMES = new Set(['time', 'prevTime', 'claimed']);
function auditMessage(f) {
  const vars = {};
  for (const [k, v] of Object.entries(f)) vars[k] = k === 'cause' ? auditMessage(v) : AUDIT_TIMES.has(k) ? auditTime(v) : v;
  return t('audit.msg.' + f.code, vars);
}

async function renderAudit(isCurrent) {
  renderLoading(t('audit.title'));
  const published = await api('/api/v1/audit/log/key');
  if (!isCurrent()) return;
  document.title = `${t('audit.title')} · ${t('appName')}`;
  let memory = auditMemory(published.name);
  const pinState = h('span', { id: 'audit-pin-state' });
  const showMemory = () => {
    pinState.textContent = memory ? t('audit.pinnedSince', { date: auditTime(Date.parse(memory.pinned_at) / 1000) }) : t('audit.notPinned');
    forget.hidden = !memory;
  };
  const vkey = h('input', { type: 'text', id: 'audit-vkey', class: 'mono', value: memory?.vkey || '', spellcheck: 'false',
    autocomplete: 'off', 'aria-describedby': 'audit-vkey-hint' });
  const cert = h('input', { type: 'file', id: 'audit-cert', accept: '.pem,.crt,.cer,.der' });
  const key = h('input', { type: 'file', id: 'audit-key', accept: '.pem,.key' });
  const password = h('input', { type: 'password', id: 'audit-password', autocomplete: 'off' });
  const button = h('button', { type: 'submit', class: 'btn', text: t('audit.verify') });
  const forget = h('button', { type: 'button', id: 'audit-forget', class: 'btn btn-secondary', text: t('audit.forget'), onclick: () => {
    try { localStorage.removeItem(AUDIT_STORE + published.name); } catch (_) { /* nothing kept */ }
    memory = null;
    vkey.value = '';
    showMemory();
  } });
  const form = h('form', { class: 'panel audit-form', onsubmit: (ev) => { ev.preventDefault(); run(); } },
    h('div', { class: 'field' }, h('label', { for: vkey.id, text: t('audit.vkey') }), vkey,
      h('p', { id: 'audit-vkey-hint', class: 'hint muted', text: t('audit.vkeyHint') })),
    h('fieldset', {}, h('legend', { text: t('audit.signIn') }), h('p', { class: 'hint muted', text: t('audit.signInHint') }),
      fileField(cert, t('certFile')), fileField(key, t('keyFile')), fileField(password, t('keyPassword'))),
    h('p', { class: 'actions' }, button, forget));
  const steps = h('ol', { id: 'audit-steps', class: 'steps', 'aria-live': 'polite' });
  const outcome = h('div', { id: 'audit-outcome' });
  showMemory();
  app().replaceChildren(
    h('h1', { class: 'page-title', text: t('audit.title') }),
    h('p', { text: t('audit.intro') }),
    h('section', { class: 'panel', 'aria-labelledby': 'audit-key-title' },
      h('h2', { id: 'audit-key-title', text: t('audit.keyTitle') }),
      h('dl', { class: 'meta meta-wide' },
        metaItem(t('audit.keyName'), h('span', { class: 'mono break', text: published.name })),
        metaItem(t('audit.keyId'), h('span', { class: 'mono', text: String(published.vkey).split('+')[1] || '—' })),
        metaItem(t('audit.pinState'), pinState))),
    form, steps, outcome);

  async function run() {
    button.disabled = true;
    steps.replaceChildren();
    outcome.replaceChildren();
    delete outcome.dataset.state;
    // One line per step, updated in place as the step goes on.
    const lines = new Map();
    const step = (name, text) => {
      if (!lines.has(name)) { lines.set(name, h('li')); steps.append(lines.get(name)); }
      lines.get(name).textContent = text;
    };
    // What this browser remembers now (another tab may have run since).
    memory = auditMemory(published.name);
    showMemory();
    const before = memory;
    let token = null;
    try {
      if (cert.files[0] || key.files[0]) {
        const session = await signInWithFiles(cert.files[0], key.files[0], password);
        token = session.token;
        step('signedIn', t('step.signedIn', { name: session.name }));
      }
      const q = (path, params) => `/api/v1/audit/log/${path}?${new URLSearchParams(params)}`;
      const source = {
        key: () => api('/api/v1/audit/log/key'),
        checkpoint: async () => (await apiCall('GET', '/api/v1/audit/log/checkpoint', { accept: 'text/plain' })).text(),
        checkpoints: async (from_size, limit) => (await api(q('checkpoints', { from_size, limit }))).checkpoints,
        consistency: async (first, second) => (await api(q('proof/consistency', { first, second }))).hashes,
        inclusion: async (index, tree_size) => (await api(q('proof/inclusion', { index, tree_size }))).hashes,
        ...(token && {
          entries: async (start, end) => (await api(q('entries', { start, end }), { token })).entries,
          tenders: async (page) => ((await api(`/api/v1/tenders?per_page=100&page=${page}`, { token })).items || []).map((x) => x.id),
        }),
      };
      const result = await GgzyAuditLog.verify(source, { given: vkey.value, pinned: before?.vkey, seen: before?.checkpoint },
        (p) => step(p.step, t('audit.step.' + p.step, { ...p, time: p.time != null ? auditTime(p.time) : '' })));
      if (!result.findings.length) {
        const now = new Date().toISOString();
        memory = { vkey: result.key.vkey, pinned_at: before?.pinned_at || now, checkpoint: result.latest.note, seen_at: now };
        try { localStorage.setItem(AUDIT_STORE + result.key.name, JSON.stringify(memory)); } catch (_) { /* storage refused */ }
        vkey.value = memory.vkey;
        showMemory();
      }
      auditOutcome(outcome, result, before);
    } catch (e) {
      outcome.dataset.state = 'error';
      const [title, detail] = e instanceof GgzyShare.ShareError ? [t('audit.signInFailed'), t('shareErr.' + e.code, e.vars)]
        : e instanceof GgzyAuditLog.AuditLogError ? [t('audit.error'), auditMessage({ code: e.code, ...e.vars })]
          : e instanceof ApiError ? [e.title, e.detail] : [t('audit.error'), t('errorGeneric')];
      outcome.replaceChildren(h('div', { class: 'alert', role: 'alert' }, h('strong', { text: title }), detail ? h('p', { text: detail }) : null));
    } finally {
      if (token && await signOut(token)) step('signedOut', t('step.signedOut'));
      button.disabled = false;
    }
  }
}

// The result of a run: the verdict, what was checked, and every finding.
function auditOutcome(outcome, result, before) {
  const failed = result.findings.length > 0;
  outcome.dataset.state = failed ? 'failed' : 'ok';
  const notes = [
    result.seen ? t('audit.consistent', { date: auditTime(Date.parse(before.seen_at) / 1000), size: result.seen.size }) : null,
    failed ? t('audit.notRemembered') : before ? t('audit.remembered') : t('audit.firstRun'),
  ].filter(Boolean).map((text) => h('p', { text }));
  const count = (label, name, value, cls) => h('div', {}, h('dt', { text: label }), h('dd', { 'data-count': name, class: cls, text: String(value) }));
  const latest = result.latest;
  outcome.replaceChildren(...[
    failed
      ? h('div', { class: 'alert', role: 'alert' }, h('strong', { text: t('audit.failed', { n: result.findings.length }) }), ...notes)
      : h('div', { class: 'ok', role: 'status' }, h('strong', { text: t('audit.ok') }), ...notes),
    latest && !result.entriesChecked ? h('p', { id: 'audit-not-checked', class: 'notice', text: t('audit.entriesNotChecked') }) : null,
    failed ? h('section', { class: 'panel', 'aria-labelledby': 'audit-findings-title' },
      h('h2', { id: 'audit-findings-title', text: t('audit.findings') }),
      h('ol', { id: 'audit-findings', class: 'findings' }, result.findings.map((f) => h('li', { text: auditMessage(f) })))) : null,
    latest ? h('section', { class: 'panel', 'aria-labelledby': 'audit-results-title' },
      h('h2', { id: 'audit-results-title', text: t('audit.results') }),
      h('dl', { class: 'meta meta-wide' },
        count(t('audit.entries'), 'entries', result.entriesChecked ? result.entries : t('audit.notChecked')),
        result.entriesChecked ? count(t('audit.hidden'), 'hidden', result.hidden) : null,
        count(t('audit.checkpoints'), 'checkpoints', result.checkpoints),
        count(t('audit.size'), 'size', latest.size),
        count(t('audit.root'), 'root', latest.root, 'mono break'),
        count(t('audit.signedAt'), 'signed', auditTime(latest.time)))) : null,
  ].filter(Boolean));
}

// ---------- boot ----------
document.addEventListener('DOMContentLoaded', () => {
  applyStatic();
  document.getElementById('lang-toggle').addEventListener('click', () => setLang(lang === 'zh' ? 'en' : 'zh'));
  window.addEventListener('hashchange', route);
  route();
});
