use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = ggzy::cli::Cli::parse();
    match ggzy::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
