import { createApp } from 'vue';
import 'element-plus/dist/index.css';
import './style.css';
import App from './App.vue';
import { router } from './router';
import { i18n } from './i18n';
import { vScrollable } from './lib/scrollable';
import { vDataLang } from './lib/datalang';

createApp(App).use(i18n).use(router).directive('scrollable', vScrollable).directive('data-lang', vDataLang).mount('#app');
