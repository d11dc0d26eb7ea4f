//! `eval`'s progress line on standard error: records done, records a
//! second, records with errors. Shown on a terminal only, unless asked for
//! (`--progress`) or refused (`--no-progress`): a log file or a pipe gets
//! nothing.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// The progress line; hidden (every call a no-op) when it is not shown.
pub fn bar(forced: Option<bool>) -> ProgressBar {
    let target = match forced {
        Some(false) => return ProgressBar::hidden(),
        None if !std::io::stderr().is_terminal() => return ProgressBar::hidden(),
        None => ProgressDrawTarget::stderr(),
        // indicatif hides itself off a terminal: draw through a plain writer.
        Some(true) => ProgressDrawTarget::term_like(Box::new(Stderr)),
    };
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {human_pos} records  {per_sec:.0}  {msg}  {elapsed}",
        )
        .expect("a valid template"),
    );
    bar.set_message("0 with errors");
    bar
}

/// Standard error as indicatif's terminal, for `--progress` when it is a
/// file or a pipe: each update is a new line.
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
        writeln!(std::io::stderr(), "{s}")
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        write!(std::io::stderr(), "{s}")
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
