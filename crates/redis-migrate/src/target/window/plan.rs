//! What to send again after a cut or a drained retryable refusal.

use super::{Multi, Slot, Unreplayable, Window};
use crate::target::batch::Replay;

impl Window {
    /// After a cut (replies missing) or a drained retryable refusal: decides what to send
    /// again and resets the attempt. Returns the database to select before sending.
    pub fn plan(&mut self) -> Result<u32, Unreplayable> {
        let n = self.slots.len();
        let rs = self.reply_slot;
        let reject_pos = self
            .first_reject
            .as_ref()
            .map(|r| ((r.seq - self.slots[0].seq) as usize, r.cmd));
        let reply_pos = self.slots.get(rs).map(|s| (rs, s.next_reply()));
        let Some((fs, fc)) = [reject_pos, reply_pos].into_iter().flatten().min() else {
            self.first_reject = None;
            self.poisoned = false;
            return Ok(self.acked_db);
        };
        let mut restart = vec![false; n];
        for (i, s) in self.slots.iter().enumerate().skip(fs) {
            restart[i] = s.done_after_reject || (i >= rs && Self::unanswered(s));
        }
        for i in (fs..n).rev() {
            if !restart[i] {
                continue;
            }
            match self.slots[i].batch.replay() {
                Replay::Idempotent => {}
                Replay::Chained if i > fs => restart[i - 1] = true,
                replay => {
                    let cmd = self.slots[i].batch.cmds()[0].clone();
                    return Err(Unreplayable { cmd, replay });
                }
            }
        }
        for (i, s) in self.slots.iter_mut().enumerate() {
            let start = if restart[i] {
                0
            } else if i == fs && !s.batch.is_atomic() {
                fc
            } else if i == fs {
                0
            } else {
                s.start
            };
            s.reset_attempt(start);
        }
        self.first_reject = None;
        self.poisoned = false;
        self.write_slot = 0;
        self.reply_slot = 0;
        self.advance();
        let start = self.slots.front().map_or(0, |s| s.start);
        Ok(if self.slots.is_empty() {
            self.acked_db
        } else {
            self.db_at(0, start)
        })
    }

    /// Whether a slot has commands that may have run without an answer.
    fn unanswered(s: &Slot) -> bool {
        match (s.batch.is_atomic(), s.multi) {
            // MULTI accepted: the transaction runs only once its EXEC arrived whole.
            (true, Multi::Open { .. }) => {
                let exec = s.batch.len() - 1;
                s.complete_cmds() > exec && s.next_reply() <= exec
            }
            // MULTI unanswered: it may have been refused (BUSY, LOADING), and then the
            // commands after it ran one by one.
            (true, Multi::Idle) => s.complete_cmds() > 1,
            _ => s.complete_cmds() > s.next_reply(),
        }
    }
}
