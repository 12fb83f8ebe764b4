// Entry point: theme and language before the first paint, then the app.

import { render } from 'preact';
import { App } from './app';
import { applyTheme, storedTheme } from './theme';
import { setLang, getLang } from './i18n';
import './style.css';

applyTheme(storedTheme());
setLang(getLang());
render(<App />, document.getElementById('app')!);
