import init from './gatehouse_bare_ui.js';

init({ module_or_path: new URL('./gatehouse_bare_ui_bg.wasm', import.meta.url) });
