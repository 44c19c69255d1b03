//! Cold start to first paint of the desktop app: the page reports its first
//! painted frame (the `first_paint` command), and the app measures from the moment the process was
//! created (so loading GTK and WebKit counts), logging it once.

use std::sync::OnceLock;
use std::time::Instant;

static FIRST_PAINT_MS: OnceLock<u64> = OnceLock::new();
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Marks the start of `main` (the fallback where the kernel's process
/// start time is unavailable).
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// Milliseconds since this process was created, from `/proc/self/stat`
/// (field 22, in clock ticks of 1/100 s on Linux) and `/proc/uptime`.
fn process_age_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let uptime = std::fs::read_to_string("/proc/uptime").ok()?;
    process_age_ms_from(&stat, &uptime)
}

/// The same from the two files' text (the name field may hold spaces and
/// parentheses, so fields are counted after its last `)`).
pub fn process_age_ms_from(stat: &str, uptime: &str) -> Option<u64> {
    const TICKS_PER_SECOND: u64 = 100;
    let after_name = &stat[stat.rfind(')')? + 1..];
    // Field 3 (state) is the first after the name; starttime is field 22.
    let start_ticks: u64 = after_name.split_whitespace().nth(19)?.parse().ok()?;
    let (secs, hundredths) = uptime.split_whitespace().next()?.split_once('.')?;
    let now_centis = secs.parse::<u64>().ok()? * 100 + hundredths.get(..2)?.parse::<u64>().ok()?;
    let start_centis = start_ticks * 100 / TICKS_PER_SECOND;
    Some(now_centis.checked_sub(start_centis)? * 10)
}

/// Records the first paint (the first call wins) and returns it in ms.
pub fn first_paint_ms() -> u64 {
    *FIRST_PAINT_MS.get_or_init(|| {
        let ms = process_age_ms().unwrap_or_else(|| {
            let since_main = STARTED.get().map(|s| s.elapsed().as_millis());
            u64::try_from(since_main.unwrap_or(0)).unwrap_or(u64::MAX)
        });
        tracing::info!(first_paint_ms = ms, "cold start to first paint");
        ms
    })
}

#[cfg(test)]
mod tests {
    use super::process_age_ms_from;

    #[test]
    fn age_from_proc_files() {
        let stat = "4242 (skill meat) (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 0 0 0 20 0 1 0 12345 1000 10";
        assert_eq!(process_age_ms_from(stat, "124.95 200.00\n"), Some(1500));
        assert_eq!(process_age_ms_from(stat, "123.45 1.0"), Some(0));
        assert_eq!(process_age_ms_from(stat, "100.00 1.0"), None);
        assert_eq!(process_age_ms_from("garbage", "1.00 1.00"), None);
    }
}
