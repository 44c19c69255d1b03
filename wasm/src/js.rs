//! The few JavaScript built-ins the bindings use, declared here instead of
//! taken from `js-sys`.
//!
//! `js-sys` declares about 1,500 imports, and wasm-bindgen keeps a closure
//! shim for every callback signature among them (plus js-sys's futures
//! executor) in the package: about 4 KB that no function here calls. These
//! declarations are the same wasm-bindgen imports, for only what is used.
//! (The tests still use `js-sys` for their own work.)

use alloc::string::String;
use alloc::vec::Vec;

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A JS string, taken as it is (a `String` parameter would turn a lone
    /// surrogate into U+FFFD before Rust could see it).
    #[wasm_bindgen(is_type_of = JsValue::is_string, typescript_type = "string")]
    #[derive(Clone, Debug)]
    pub type JsString;

    /// A function the page passes in (`readSmall`).
    #[wasm_bindgen(typescript_type = "Function")]
    #[derive(Clone, Debug)]
    pub type Function;

    /// `f.call(this, arg)`; an exception comes back as `Err`.
    #[wasm_bindgen(method, catch, js_name = call)]
    pub fn call1(this: &Function, context: &JsValue, arg: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(typescript_type = "Uint8Array")]
    #[derive(Clone, Debug)]
    pub type Uint8Array;

    /// A copy of the bytes in wasm memory (`slice()`, copied by the glue).
    #[wasm_bindgen(method, js_name = slice)]
    pub fn to_vec(this: &Uint8Array) -> Vec<u8>;

    #[wasm_bindgen(typescript_type = "Map<unknown, unknown>")]
    #[derive(Clone, Debug)]
    pub type Map;

    #[wasm_bindgen(typescript_type = "Array<unknown>")]
    #[derive(Clone, Debug)]
    pub type Array;

    #[wasm_bindgen(method, getter)]
    pub fn length(this: &Array) -> u32;

    #[wasm_bindgen(method, indexing_getter)]
    pub fn get(this: &Array, index: u32) -> JsValue;

    /// `Array.from(map)`: its `[key, value]` pairs.
    #[wasm_bindgen(static_method_of = Array, js_name = from)]
    pub fn map_entries(map: &Map) -> Array;

    /// `Object.entries(object)`: its `[key, value]` pairs.
    #[wasm_bindgen(js_namespace = Object, js_name = entries)]
    pub fn object_entries(object: &JsValue) -> Array;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &str) -> Result<JsValue, JsValue>;

    /// `JSON.stringify(value)`: a string, or `undefined` (for a function …).
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    pub fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
}

/// `s` as a Rust string, or `None` when it holds a lone UTF-16 surrogate
/// (which has no UTF-8 form: converting it to UTF-8 and back then gives
/// another string).
pub fn utf8(s: &JsString) -> Option<String> {
    let value: &JsValue = s.as_ref();
    let text = value.as_string()?;
    (JsValue::from_str(&text) == *value).then_some(text)
}
