//! Colours: one per message, from the Okabe–Ito palette (safe for colour-blind viewers).

use egui::Color32;

const MESSAGE: [Color32; 7] = [
    Color32::from_rgb(0xE6, 0x9F, 0x00), // orange
    Color32::from_rgb(0x56, 0xB4, 0xE9), // sky blue
    Color32::from_rgb(0x00, 0x9E, 0x73), // bluish green
    Color32::from_rgb(0xCC, 0x79, 0xA7), // reddish purple
    Color32::from_rgb(0xF0, 0xE4, 0x42), // yellow
    Color32::from_rgb(0x00, 0x72, 0xB2), // blue
    Color32::from_rgb(0xD5, 0x5E, 0x00), // vermillion
];

/// The colour of message `msg` (numbered from 1).
pub fn message(msg: u32) -> Color32 {
    MESSAGE[(msg.saturating_sub(1) as usize) % MESSAGE.len()]
}

/// Frame-header bytes: the message colour, darker.
pub fn header(msg: u32) -> Color32 {
    let c = message(msg);
    Color32::from_rgb(c.r() / 2, c.g() / 2, c.b() / 2)
}

/// Text drawn on a message colour: black or white, whichever reads better.
pub fn text_on(bg: Color32) -> Color32 {
    let l = 0.299 * bg.r() as f32 + 0.587 * bg.g() as f32 + 0.114 * bg.b() as f32;
    if l > 140.0 {
        Color32::BLACK
    } else {
        Color32::WHITE
    }
}

pub const INTACT: Color32 = Color32::from_rgb(0x00, 0x9E, 0x73);
pub const BROKEN: Color32 = Color32::from_rgb(0xD5, 0x5E, 0x00);
/// Timers (the delayed ACK).
pub const TIMER: Color32 = Color32::from_rgb(0x56, 0xB4, 0xE9);

/// The theme's visuals; presenting makes them high-contrast for a projector: pure black
/// or white ground, full-strength text and thicker strokes.
pub fn visuals(dark: bool, present: bool) -> egui::Visuals {
    let mut v = if dark {
        egui::Visuals::dark()
    } else {
        egui::Visuals::light()
    };
    if present {
        let (ground, ink) = if dark {
            (Color32::BLACK, Color32::WHITE)
        } else {
            (Color32::WHITE, Color32::BLACK)
        };
        v.panel_fill = ground;
        v.window_fill = ground;
        v.extreme_bg_color = ground;
        v.faint_bg_color = if dark {
            Color32::from_gray(24)
        } else {
            Color32::from_gray(235)
        };
        v.override_text_color = Some(ink);
        v.widgets.noninteractive.fg_stroke = egui::Stroke::new(1.5, ink);
        v.widgets.noninteractive.bg_stroke = egui::Stroke::new(1.5, ink.gamma_multiply(0.7));
        v.widgets.inactive.fg_stroke = egui::Stroke::new(1.5, ink);
        v.selection.stroke = egui::Stroke::new(2.5, v.selection.stroke.color);
    }
    v
}
