import '@fontsource/noto-nastaliq-urdu/arabic-400.css';
import '@fontsource/noto-nastaliq-urdu/arabic-700.css';
import '../app.css';
import './portal.css';
import { mount } from 'svelte';
import Portal from './Portal.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html is missing the #app element the portal mounts into');

mount(Portal, { target });
