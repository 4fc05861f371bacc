//! Where the sealed record is kept.

use super::Sealed;

/// Where the sealed record lives: [`FileRecordStore`] in the app and its tests; an
/// implementation of its own where a test needs to break it.
pub trait RecordStore: Send + Sync {
    fn load(&self) -> std::io::Result<Option<Sealed>>;
    /// Must replace the previous record atomically: a crash leaves the old one or the new one.
    fn save(&self, sealed: &Sealed) -> std::io::Result<()>;
    fn clear(&self) -> std::io::Result<()>;
    /// Moves a record that cannot be opened out of the way, kept for a person to look at,
    /// rather than deleting it.
    fn set_aside(&self) -> std::io::Result<()>;
    /// Whether the last session ended with the person signing out. Not a secret: kept beside
    /// the record so that it outlives a restart.
    fn signed_out(&self) -> std::io::Result<bool>;
    fn set_signed_out(&self, signed_out: bool) -> std::io::Result<()>;
}
