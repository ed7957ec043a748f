//! Which openings this process is decrypting.

/// Openings under way in this process, so one tender is never opened twice
/// at once.
#[derive(Default)]
pub struct Running(std::sync::Mutex<std::collections::HashSet<String>>);

impl Running {
    pub(crate) fn begin(&self, id: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_string())
    }

    pub(crate) fn end(&self, id: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }
}
