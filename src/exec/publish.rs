//! Publishing: an episode's outputs copied out of the cache, and their loudness checked.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use super::executor::Executor;
use super::outcome::{EpisodeResult, LoudnessReport, PublishedOutput, StepOutcome};
use crate::cache::{BlobRef, ContentHash};
use crate::diagnostic::Diagnostic;
use crate::paths::display;
use crate::pipeline::{Produced, Stop};
use crate::plan::EpisodePlan;
use crate::published;

impl Executor<'_> {
    /// Publishes the outputs and checks their loudness.
    pub(super) fn finish(
        &self,
        plan: &EpisodePlan,
        steps: Vec<StepOutcome>,
        produced: Produced,
    ) -> Result<EpisodeResult, Stop> {
        for warning in &produced.warnings {
            self.reporter.diagnostic(warning);
        }
        let mut outputs = Vec::new();
        for &(format, blob) in &produced.outputs {
            let path = self
                .layout
                .outputs()
                .join(format!("{}.{}", plan.id, format.extension()));
            let manifest =
                self.layout
                    .published()
                    .join(format!("{}.{}.json", plan.id, format.extension()));
            let changed = !published::is_fresh(&path, &manifest, &blob.hash);
            if !changed {
                self.reporter.verbose_status("Fresh", &display(&path));
            } else {
                match self.publish(&blob, &path, &manifest) {
                    Ok(true) => self.reporter.status("Writing", &display(&path)),
                    Ok(false) => return Err(Stop::Corrupt(blob.hash)),
                    Err(e) => {
                        return Err(Stop::Failed(Diagnostic::error(format!(
                            "writing {}: {e}",
                            display(&path)
                        ))));
                    }
                }
            }
            outputs.push(PublishedOutput {
                episode: plan.id.clone(),
                format: format.name(),
                path,
                changed,
            });
        }
        let target_lufs = f64::from(plan.loudness.target_mlufs) / 1000.0;
        let ceiling_db = f64::from(plan.loudness.ceiling_mdb) / 1000.0;
        let loudness = produced
            .measurements
            .iter()
            .cloned()
            .map(|(format, measurement)| {
                let l = measurement.loudness;
                let on_target = l
                    .integrated_lufs
                    .is_none_or(|i| (i - target_lufs).abs() <= 1.0);
                let under_ceiling = l.true_peak_db.is_none_or(|p| p <= ceiling_db);
                LoudnessReport {
                    episode: plan.id.clone(),
                    format,
                    measurement,
                    target_lufs,
                    ceiling_db,
                    ok: on_target && under_ceiling,
                }
            })
            .collect();
        Ok(EpisodeResult {
            steps,
            outputs,
            loudness,
            produced,
        })
    }

    /// Copies a blob to its published path atomically, checking its hash on
    /// the way; `Ok(false)` if the blob is damaged.
    pub(super) fn publish(
        &self,
        blob: &BlobRef,
        path: &Path,
        manifest: &Path,
    ) -> std::io::Result<bool> {
        fs::create_dir_all(path.parent().expect("outputs have a parent"))?;
        // Staged in the cache's tmp/ (same filesystem), so a killed build
        // leaves no stray file among the outputs. Created 0666 less the
        // umask, as any new file is (tempfile's default 0600 would keep a
        // web server from serving the output).
        let mut builder = tempfile::Builder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let mut temp = builder.tempfile_in(self.store.root().join("tmp"))?;
        let mut source = fs::File::open(self.store.blob_path(&blob.hash))?;
        let mut hasher = blake3::Hasher::new();
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = source.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            temp.write_all(&buffer[..n])?;
        }
        if ContentHash(*hasher.finalize().as_bytes()) != blob.hash {
            return Ok(false);
        }
        temp.as_file_mut().flush()?;
        temp.persist(path).map_err(|e| e.error)?;
        published::record(path, manifest, &blob.hash, &self.store.root().join("tmp"))?;
        Ok(true)
    }
}
