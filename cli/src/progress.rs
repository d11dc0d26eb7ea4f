//! `eval`'s progress line on standard error: records done, records a
//! second, records with errors. Shown when standard error is a terminal and
//! the output is not (it goes to a file or a pipe), unless asked for
//! (`--progress`) or refused (`--no-progress`): a log file gets nothing.

use std::io::{IsTerminal, Write};

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// The progress line; hidden (every call a no-op) when it is not shown.
pub fn bar(forced: Option<bool>) -> ProgressBar {
    let terminal = std::io::stderr().is_terminal();
    let target = match forced {
        Some(false) => return ProgressBar::hidden(),
        // On a terminal, unless the output goes to the same screen (the
        // redrawn line would tear the records apart).
        None if !terminal || std::io::stdout().is_terminal() => return ProgressBar::hidden(),
        _ if terminal => ProgressDrawTarget::stderr(),
        // indicatif hides itself off a terminal: draw through a plain writer.
        _ => ProgressDrawTarget::term_like(Box::new(Stderr)),
    };
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}  {elapsed}").expect("a valid template"),
    );
    bar.set_message("0 records");
    if terminal {
        // The spinner and the time move while a slow chunk is decided.
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    }
    bar
}

/// Shows `done` records so far, `errors` of them with errors (one draw).
pub fn update(bar: &ProgressBar, done: usize, errors: usize) {
    if bar.is_hidden() {
        return;
    }
    let rate = done as f64 / bar.elapsed().as_secs_f64().max(1e-3);
    bar.set_message(format!(
        "{} records  {} records/s  {} with errors",
        HumanCount(done as u64),
        HumanCount(rate as u64),
        HumanCount(errors as u64)
    ));
}

/// Standard error as indicatif's terminal, for `--progress` when it is a
/// file or a pipe: each update is a line of its own, no cursor movement.
#[derive(Debug)]
struct Stderr;

impl TermLike for Stderr {
    fn width(&self) -> u16 {
        80
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write_str(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        if s.trim().is_empty() {
            return Ok(());
        }
        writeln!(std::io::stderr(), "{}", s.trim_end())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
