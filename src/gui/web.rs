//! The web app: the simulated mode in the browser, started by wasm-bindgen on the page's
//! `<canvas id="stickysim">` (web/index.html; built by scripts/web-build).
//!
//! The page's fragment is a deep link ([`crate::deeplink`]): it is applied at start and
//! whenever it changes. The page's title is [`StickyApp::status`], which the browser
//! test (scripts/web-test) reads. Files come in two ways, both read asynchronously:
//! dropped on the canvas (egui's `dropped_files`), or picked with the page's hidden
//! `<input type="file" id="file-input">`, whose handler calls [`open_scenario_file`].

use std::cell::RefCell;

use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

use super::{Settings, StickyApp, install_fonts};

/// A file read by the page: its name, and its bytes or why it could not be read.
type ReadFile = (String, Result<Vec<u8>, String>);

thread_local! {
    /// Files read since the last frame.
    static OPENED: RefCell<Vec<ReadFile>> = const { RefCell::new(Vec::new()) };
    /// To wake the app when a file has been read.
    static CTX: RefCell<Option<egui::Context>> = const { RefCell::new(None) };
}

/// Called by wasm-bindgen's glue when the module is loaded.
#[wasm_bindgen(start)]
pub fn start() {
    eframe::WebLogger::init(log::LevelFilter::Warn).ok();
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(canvas) = document
        .get_element_by_id("stickysim")
        .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok())
    else {
        log::error!("stickysim: the page has no <canvas id=\"stickysim\">");
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let result = eframe::WebRunner::new()
            .start(
                canvas,
                eframe::WebOptions::default(),
                Box::new(|cc| {
                    install_fonts(&cc.egui_ctx);
                    CTX.with(|c| *c.borrow_mut() = Some(cc.egui_ctx.clone()));
                    let settings: Settings = cc
                        .storage
                        .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                        .unwrap_or_default();
                    let mut app = StickyApp::new(settings);
                    app.link.base_url = page_address();
                    Ok(Box::new(WebApp {
                        app,
                        applied_hash: None,
                        title: String::new(),
                    }))
                }),
            )
            .await;
        let status = document.get_element_by_id("status");
        match (result, status) {
            (Ok(()), Some(s)) => s.remove(),
            (Err(e), Some(s)) => s.set_text_content(Some(&format!(
                "stickysim could not start: {}",
                e.as_string().unwrap_or_else(|| format!("{e:?}"))
            ))),
            _ => {}
        }
    });
}

/// The page's address without its fragment.
fn page_address() -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    Some(href.split('#').next().unwrap_or("").to_string())
}

struct WebApp {
    app: StickyApp,
    /// The fragment last applied, so that a changed one is applied once.
    applied_hash: Option<String>,
    /// The page's title as last set.
    title: String,
}

impl eframe::App for WebApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let hash = &frame.info().web_info.location.hash;
        if self.applied_hash.as_ref() != Some(hash) {
            self.applied_hash = Some(hash.clone());
            self.app.open_link(hash);
        }
        for (name, bytes) in OPENED.with(|o| std::mem::take(&mut *o.borrow_mut())) {
            match bytes {
                Ok(bytes) => self.app.open_file(&name, &bytes),
                Err(e) => self.app.link.error = Some((name, e)),
            }
        }
        ui.ctx().set_zoom_factor(self.app.settings.zoom);
        self.app.show(ui);
        let status = self.app.status();
        if status != self.title
            && let Some(doc) = web_sys::window().and_then(|w| w.document())
        {
            doc.set_title(&status);
            self.title = status;
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.app.settings);
    }
}

/// Reads a file dropped on the canvas, then wakes the app.
pub fn read_dropped(ctx: egui::Context, file: egui::DroppedFileHandle, name: String) {
    wasm_bindgen_futures::spawn_local(async move {
        let bytes = file.bytes_async().await;
        OPENED.with(|o| o.borrow_mut().push((name, bytes)));
        ctx.request_repaint();
    });
}

/// Opens the browser's file picker (the page's hidden file input).
pub fn pick_file() {
    let input = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("file-input"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    match input {
        Some(i) => i.click(),
        None => log::error!("stickysim: the page has no <input id=\"file-input\">"),
    }
}

/// A file the page read (the file picker's handler in web/index.html calls this).
#[wasm_bindgen]
pub fn open_scenario_file(name: String, bytes: Vec<u8>) {
    OPENED.with(|o| o.borrow_mut().push((name, Ok(bytes))));
    CTX.with(|c| {
        if let Some(ctx) = &*c.borrow() {
            ctx.request_repaint();
        }
    });
}
