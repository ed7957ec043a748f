// The catalogue of supervision alerts (../alerts.json): every sentence an
// alert says (`alerts.<reason>`, the reason a key such as
// `alert.same-client-address`), the name of every kind of alert
// (`alerts.kinds.<kind>`) and the parts a sentence is made of
// (`alerts.parts.*`: a bidder's label, a shared document), in Chinese and
// English. It is JSON so that the server's tests read it too: every key
// the server gives (src/supervision/said.rs) must be here, in both
// languages, with the placeholders its params name. Keys hold dots; they
// are nested here, as vue-i18n reads dots.
import { nest, type Tree } from '../nest';
import catalogue from '../alerts.json';

type Lang = typeof catalogue.zh;
function messages(c: Lang): Tree {
  return { alerts: { ...nest(c.said, 'alert'), kinds: c.kinds, parts: c.parts } };
}

export default { zh: messages(catalogue.zh), en: messages(catalogue.en) };
