import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import BenchmarkRunner from './components/BenchmarkRunner.vue';
import Playground from './components/Playground.vue';
import RunnableCode from './components/RunnableCode.vue';
import './custom.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('RunnableCode', RunnableCode);
    app.component('Playground', Playground);
    app.component('BenchmarkRunner', BenchmarkRunner);
  },
} satisfies Theme;
