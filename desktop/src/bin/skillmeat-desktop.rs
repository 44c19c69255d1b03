//! `skillmeat-desktop`: the Tauri app over the collection in
//! `$SKILLMEAT_HOME` (`--collection NAME`, default `default`).

fn main() -> std::process::ExitCode {
    skillmeat::startup::mark_start();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let _telemetry = skillmeat::telemetry::init(skillmeat::telemetry::LogFormat::Text, 0);
    let result = skillmeat::app::check_display(|name| std::env::var_os(name))
        .and_then(|()| skillmeat::app::AppConfig::from_env_and_args(&args))
        .map_err(|e| e.to_string())
        .and_then(|config| skillmeat::app::run(config).map_err(|e| e.to_string()));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("skillmeat-desktop: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
