import '@fontsource/noto-nastaliq-urdu/arabic-400.css';
import '@fontsource/noto-nastaliq-urdu/arabic-700.css';
import '../app.css';
import './portal.css';
import { mount } from 'svelte';
import { registerServiceWorker } from './offline';
import Portal from './Portal.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html is missing the #app element the portal mounts into');

mount(Portal, { target });

// Only the build has /sw.js; the dev server, the only place with hot module replacement, has none.
// import.meta.env.PROD is no test for this, because a build run under vitest (NODE_ENV=test) sets it
// false. Registering after the load event keeps the worker's downloads out of the first page's way.
if (!import.meta.hot) window.addEventListener('load', () => void registerServiceWorker());
