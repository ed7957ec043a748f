// Contracts in the pages (views/tenderer/ContractPanel.vue,
// views/bidder/BidderContractPanel.vue, components/ContractDocument.vue and
// ContractSign.vue): drafting from an award, the terms, the document and
// its hash, signing in the page, publication with clauses withheld; and the
// page's own refusals while signing (lib/contract.ts), said by
// lib/problem.ts as `local.contractSign.<code>`.
export default {
  zh: {
    contract: {
      title: '合同', intro: '依据中标（成交）结果起草合同，双方签署后由采购人（招标人）公告。合同金额、供应商和标段以中标结果为准（《招标投标法实施条例》第五十七条）；任何一方签署后条款不能再修改。',
      lot: '第 {n} 包', lotHead: '标包', purchaser: '采购人（招标人）', supplier: '供应商（中标人）', value: '合同金额',
      status: '合同状态', statusOf: { draft: '草稿', signing: '签署中', signed: '双方已签署', published: '已公告' },
      publishBy: '公告期限', publishedAt: '公告时间', withheldList: '不公开的条款：第 {list} 条',
      party: { purchaser: '采购人（招标人）', supplier: '供应商（中标人）' },
      signedWith: '已签署，电子印章', notSigned: '尚未签署',
      edit: '修改条款', untitled: '（未命名合同）', awards: '尚未起草合同的中标结果', draft: '起草合同',
      none: '还没有合同。', notYet: '本项目还没有您可以查看的合同。',
      editTitle: '修改合同条款', draftTitle: '起草合同：', save: '保存修改', create: '起草合同', cancel: '取消',
      edited: '合同条款已保存。', drafted: '合同草稿已起草。', published: '合同已公告。',
      terms: {
        title: '合同名称', titleHint: '不填则用项目名称', subject: '合同标的', period: '履行期限', start: '开始日期', end: '结束日期',
        payment: '付款方式', place: '履行地点', bond: '履约保证金', bondYuan: '履约保证金（元，可不填）',
        clauses: '其他条款（按顺序编号）', removeClause: '删除第 {n} 条', remove: '删除', addClause: '添加条款',
      },
      bond: {
        ceiling: '履约保证金不得超过合同金额的 10%，即最多 {max}（《政府采购法实施条例》第四十八条；《招标投标法实施条例》第五十八条）。',
        notMoney: '请输入金额（元，最多两位小数）。',
        within: '为合同金额的 {pct}%，未超过上限 {max}。',
        over: '为合同金额的 {pct}%，超过 10% 的上限 {max}：平台将拒绝。',
      },
      publish: {
        title: '公告合同', intro: '政府采购合同应自签订之日起 2 个工作日内公告，涉及国家秘密、商业秘密的内容除外（《政府采购法实施条例》第五十条）。勾选不公开的条款：公众看不到这些条款，合同文本和签名也只供有权查看全文者阅读。',
        withhold: '不公开的条款（国家秘密或商业秘密）', clause: '第 {n} 条：', submit: '公告合同',
      },
      sign: {
        title: { purchaser: '以采购人（招标人）身份签署', supplier: '以供应商（中标人）身份签署' },
        intro: '选择本单位的企业证书和私钥，以及电子印章文件（GB/T 38540 SES_Seal，DER）。本页对合同文本的原始字节作出分离式 CMS 签名和电子签章签名，然后一并提交；私钥只在本页使用，不会发送。支持 RSA 和 P-256 证书。',
        seal: '电子印章文件（.der）', failed: '未能签署', submit: '在本页签署合同',
        done: '已签署合同文本（SHA-256 {sha256}）。', purchaserOnly: '采购人（招标人）的招标账户在此签署；招标代理机构不是合同一方。',
      },
      doc: {
        show: '查看合同文本', refresh: '重新获取合同文本', hashAgrees: '本页计算的 SHA-256 与平台所述一致', hashDiffers: '本页计算的 SHA-256 与平台所述不一致！',
        stated: '平台所述', tender: '项目', period: '{start} 至 {end}', basis: '依据：', raw: '签署的原始文本（{format}，JSON）',
      },
    },
    local: {
      contractSign: {
        noWebCrypto: '此浏览器不提供 WebCrypto（需 HTTPS 或本机地址），无法在本页签署。',
        sm2: 'SM2 证书无法在本页签署合同（本页无法用 SM2 作出 CMS 签名）：请使用 RSA 或 P-256 企业证书。',
        keyKind: '只支持 RSA（至少 2048 位）或 P-256 密钥。', keyMismatch: '所选私钥不是所选证书的私钥。',
        notSeal: '所选文件不是电子印章（GB/T 38540 SES_Seal，DER）。', chooseSeal: '请选择电子印章文件。',
        hashMismatch: '取得的合同文本与平台所述的 SHA-256 不一致，未签署：请重新获取后再试。',
      },
    },
  },
  en: {
    contract: {
      title: 'Contract', intro: 'A contract is drafted from an award, signed by both parties and published by the purchaser. Its value, supplier and lot are the award\'s (招标投标法实施条例 第57条); once either party has signed, no term can change.',
      lot: 'Lot {n}', lotHead: 'Lot', purchaser: 'Purchaser', supplier: 'Supplier (winner)', value: 'Value',
      status: 'Status', statusOf: { draft: 'Draft', signing: 'Being signed', signed: 'Signed by both parties', published: 'Published' },
      publishBy: 'Publish by', publishedAt: 'Published', withheldList: 'Clauses withheld: {list}',
      party: { purchaser: 'Purchaser', supplier: 'Supplier' },
      signedWith: 'signed with the seal', notSigned: 'not signed yet',
      edit: 'Edit the terms', untitled: '(untitled contract)', awards: 'Awards without a contract yet', draft: 'Draft the contract',
      none: 'No contract yet.', notYet: 'This tender has no contract you can read yet.',
      editTitle: 'Edit the contract\'s terms', draftTitle: 'Draft the contract with ', save: 'Save the changes', create: 'Draft the contract', cancel: 'Cancel',
      edited: 'The terms are saved.', drafted: 'The contract is drafted.', published: 'The contract is published.',
      terms: {
        title: 'Title', titleHint: 'The tender\'s title if left empty', subject: 'Subject', period: 'Performance period', start: 'Start', end: 'End',
        payment: 'Payment terms', place: 'Place of performance', bond: 'Performance bond', bondYuan: 'Performance bond (yuan, optional)',
        clauses: 'Further clauses (numbered in this order)', removeClause: 'Remove clause {n}', remove: 'Remove', addClause: 'Add a clause',
      },
      bond: {
        ceiling: 'The performance bond may be at most 10 % of the value: {max} (政府采购法实施条例 第48条; 招标投标法实施条例 第58条).',
        notMoney: 'Type an amount in yuan (at most two decimals).',
        within: '{pct} % of the value, within the ceiling of {max}.',
        over: '{pct} % of the value, above the 10 % ceiling of {max}: the platform will refuse it.',
      },
      publish: {
        title: 'Publish the contract', intro: 'A government procurement contract is published within 2 working days of its signing, except what is a state or commercial secret (政府采购法实施条例 第50条). Tick the clauses to withhold: the public does not read them, and the document and signatures stay with those who read the contract in full.',
        withhold: 'Clauses to withhold (state or commercial secrets)', clause: 'Clause {n}: ', submit: 'Publish the contract',
      },
      sign: {
        title: { purchaser: 'Sign as the purchaser', supplier: 'Sign as the supplier' },
        intro: 'Choose your enterprise\'s certificate and key and its electronic seal file (GB/T 38540 SES_Seal, DER). The page makes a detached CMS signature and a seal signature over the document\'s exact bytes and posts both; the key is used in this page only and never sent. RSA and P-256 certificates sign here.',
        seal: 'Electronic seal file (.der)', failed: 'The contract could not be signed', submit: 'Sign the contract in this page',
        done: 'The document is signed (SHA-256 {sha256}).', purchaserOnly: 'The purchaser signs through its tenderer accounts here; the agent is not a party.',
      },
      doc: {
        show: 'Show the document', refresh: 'Fetch the document again', hashAgrees: 'The SHA-256 computed in this page agrees with the platform\'s', hashDiffers: 'The SHA-256 computed in this page differs from the platform\'s!',
        stated: 'The platform says', tender: 'Tender', period: '{start} to {end}', basis: 'Legal basis: ', raw: 'The exact text signed ({format}, JSON)',
      },
    },
    local: {
      contractSign: {
        noWebCrypto: 'This browser offers no WebCrypto (it needs HTTPS or a local address): the contract cannot be signed here.',
        sm2: 'An SM2 certificate cannot sign a contract here (the page cannot make a CMS signature with SM2): use an RSA or P-256 enterprise certificate.',
        keyKind: 'Only RSA (2048 bits or more) and P-256 keys are supported.', keyMismatch: 'The private key chosen is not the chosen certificate\'s.',
        notSeal: 'The file chosen is not an electronic seal (GB/T 38540 SES_Seal, DER).', chooseSeal: 'Choose the seal file.',
        hashMismatch: 'The document fetched does not match the SHA-256 the platform states; nothing was signed: fetch it again and retry.',
      },
    },
  },
};
