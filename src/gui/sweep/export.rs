//! Saving a sweep: the CSV and the PNG of its plots.

use std::sync::{Arc, Mutex};

use egui::{ColorImage, Rect, RichText};

use super::ui::field;
use super::{PendingPng, SweepState};
use crate::gui::i18n::{
    Lang, SWEEP_CSV_HINT, SWEEP_EXPORT_CSV, SWEEP_EXPORT_PNG, SWEEP_NO_BROWSER, SWEEP_OFF_SCREEN,
    SWEEP_PNG_HINT, SWEEP_WRITTEN,
};
use crate::gui::palette;

pub(super) fn export_ui(ui: &mut egui::Ui, state: &mut SweepState, scenario: &str, lang: Lang) {
    if state.csv_path.is_empty() {
        state.csv_path = format!("{scenario}-sweep.csv");
    }
    if state.png_path.is_empty() {
        state.png_path = format!("{scenario}-sweep.png");
    }
    ui.add(field(egui::TextEdit::singleline(&mut state.csv_path), ui).desired_width(230.0))
        .on_hover_text(SWEEP_CSV_HINT.get(lang));
    if ui.button(SWEEP_EXPORT_CSV.get(lang)).clicked()
        && let Some(done) = &state.result
    {
        let csv = done.sweep.render_csv();
        state.status = Some(saved(write_atomic(&state.csv_path, csv.as_bytes()), lang));
    }
    ui.separator();
    ui.add(field(egui::TextEdit::singleline(&mut state.png_path), ui).desired_width(230.0))
        .on_hover_text(SWEEP_PNG_HINT.get(lang));
    if ui.button(SWEEP_EXPORT_PNG.get(lang)).clicked() {
        if cfg!(target_arch = "wasm32") {
            state.status = Some(Err(SWEEP_NO_BROWSER.get(lang).to_string()));
        } else if let Some(rect) = state.plots_rect {
            let image = Arc::new(Mutex::new(None));
            let slot = image.clone();
            ui.ctx().request_screenshot(move |img| {
                if let Ok(mut s) = slot.lock() {
                    *s = Some(img);
                }
            });
            state.png = Some(PendingPng {
                path: state.png_path.clone(),
                rect,
                image,
            });
            state.status = None;
        }
    }
    match &state.status {
        Some(Ok(s)) => {
            ui.label(RichText::new(s).color(palette::INTACT));
        }
        Some(Err(e)) => {
            ui.label(RichText::new(e).color(palette::BROKEN));
        }
        None => {}
    }
}

pub(super) fn saved(r: Result<String, String>, lang: Lang) -> Result<String, String> {
    match r {
        Ok(s) => Ok(format!("{} {s}", SWEEP_WRITTEN.get(lang))),
        Err(e) if e.is_empty() => Err(SWEEP_NO_BROWSER.get(lang).to_string()),
        Err(e) => Err(e),
    }
}

/// Writes the PNG once its screenshot has arrived.
pub(super) fn finish_png(ctx: &egui::Context, state: &mut SweepState, lang: Lang) {
    let Some(pending) = &state.png else { return };
    let image = pending.image.lock().ok().and_then(|mut s| s.take());
    let Some(image) = image else {
        ctx.request_repaint_after(std::time::Duration::from_millis(30));
        return;
    };
    let Some(pending) = state.png.take() else {
        return;
    };
    let ppp = ctx.pixels_per_point();
    let written = match crop(&image, pending.rect, ppp) {
        #[cfg(not(target_arch = "wasm32"))]
        Some(img) => encode_png(&img).and_then(|bytes| write_atomic(&pending.path, &bytes)),
        #[cfg(target_arch = "wasm32")]
        Some(_) => Err(String::new()),
        None => Err(SWEEP_OFF_SCREEN.get(lang).to_string()),
    };
    state.status = Some(saved(written, lang));
}

/// The part of `image` (a screenshot at `pixels_per_point`) under `rect` (in points),
/// clamped to the image; `None` when nothing of it is inside.
pub fn crop(image: &ColorImage, rect: Rect, pixels_per_point: f32) -> Option<ColorImage> {
    let [w, h] = image.size;
    let px = |v: f32, max: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(max);
    let (x0, x1) = (px(rect.min.x, w), px(rect.max.x, w));
    let (y0, y1) = (px(rect.min.y, h), px(rect.max.y, h));
    (x1 > x0 && y1 > y0).then(|| image.region_by_pixels([x0, y0], [x1 - x0, y1 - y0]))
}

/// `image` as PNG bytes.
#[cfg(not(target_arch = "wasm32"))]
pub fn encode_png(image: &ColorImage) -> Result<Vec<u8>, String> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|c| c.to_srgba_unmultiplied())
        .collect();
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, rgba)
        .ok_or_else(|| "the screenshot has the wrong size".to_string())?;
    let mut out = std::io::Cursor::new(Vec::new());
    buffer
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a
/// reader never sees half a file, and a failed write leaves the old one.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_atomic(path: &str, bytes: &[u8]) -> Result<String, String> {
    use std::io::Write as _;
    let p = std::path::Path::new(path.trim());
    let name = p
        .file_name()
        .ok_or_else(|| format!("`{}` is not a file name", p.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = p.with_file_name(tmp_name);
    let fail = |e: std::io::Error| format!("{}: {e}", p.display());
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, p)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(format!("{} B → {}", bytes.len(), p.display()))
}

#[cfg(target_arch = "wasm32")]
pub fn write_atomic(_path: &str, _bytes: &[u8]) -> Result<String, String> {
    Err(String::new())
}
