// Loads the Yew app: the wasm module starts itself (#[wasm_bindgen(start)]).
import init from './gatehouse_ui.js';

init({ module_or_path: new URL('./gatehouse_ui_bg.wasm', import.meta.url) });
