//! The class's answers: the score and the CSV.

use super::Asked;
use crate::scenario::Lang;
use crate::trace::Side;

/// What a student answered, for the score and the CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub scenario: String,
    pub side: Side,
    pub file_line: u32,
    pub question: String,
    /// The choice's label, or the typed text.
    pub given: String,
    pub truth: String,
    pub right: bool,
}

impl Answer {
    /// The answer to a choice question (`choice` is 0-based).
    pub fn chosen(scenario: &str, q: &Asked, choice: usize, lang: Lang) -> Option<Answer> {
        let c = q.choices.get(choice)?;
        Some(Answer {
            scenario: scenario.to_string(),
            side: q.side,
            file_line: q.file_line,
            question: q.prompt.get(lang).to_string(),
            given: c.label.get(lang).to_string(),
            truth: q.truth_label.get(lang).to_string(),
            right: c.expect.matches(&q.truth),
        })
    }

    pub fn typed(scenario: &str, q: &Asked, typed: &str, lang: Lang) -> Answer {
        Answer {
            scenario: scenario.to_string(),
            side: q.side,
            file_line: q.file_line,
            question: q.prompt.get(lang).to_string(),
            given: typed.to_string(),
            truth: q.truth_label.get(lang).to_string(),
            right: q.typed_is_right(typed),
        }
    }
}

/// A score: right answers of those given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Score {
    pub right: u32,
    pub asked: u32,
}

/// A class's answers, in the order given (one class, or one student, per session).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// Who answered ("class", a student's name), the CSV's first column.
    pub who: String,
    pub answers: Vec<Answer>,
}

impl Session {
    pub fn new(who: &str) -> Session {
        Session {
            who: who.to_string(),
            answers: Vec::new(),
        }
    }

    /// Records an answer; a second answer to the same question replaces the first.
    pub fn record(&mut self, a: Answer) {
        let same =
            |b: &Answer| b.scenario == a.scenario && b.side == a.side && b.file_line == a.file_line;
        self.answers.retain(|b| !same(b));
        self.answers.push(a);
    }

    pub fn score(&self, scenario: &str) -> Score {
        let mut s = Score::default();
        for a in self.answers.iter().filter(|a| a.scenario == scenario) {
            s.asked += 1;
            s.right += u32::from(a.right);
        }
        s
    }

    /// `who,scenario,side,line,question,answer,truth,right`, one row per answer, RFC 4180
    /// quoting (the GUI writes it to a file a spreadsheet opens).
    pub fn csv(sessions: &[Session]) -> String {
        let mut out = String::from("who,scenario,side,line,question,answer,truth,right\n");
        for s in sessions {
            for a in &s.answers {
                let row = [
                    s.who.as_str(),
                    &a.scenario,
                    a.side.name(),
                    &a.file_line.to_string(),
                    &a.question,
                    &a.given,
                    &a.truth,
                    if a.right { "yes" } else { "no" },
                ];
                let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        out
    }
}

pub(super) fn csv_cell(s: &str) -> String {
    // A leading = + - @ would be a formula in a spreadsheet: quote and prefix it.
    let risky = s.starts_with(['=', '+', '-', '@']);
    if risky || s.contains([',', '"', '\n', '\r']) {
        let body = s.replace('"', "\"\"");
        if risky {
            format!("\"'{body}\"")
        } else {
            format!("\"{body}\"")
        }
    } else {
        s.to_string()
    }
}
