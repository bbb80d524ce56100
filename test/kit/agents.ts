/** Shell bodies of `command` agents for end-to-end tests (engineRepo writes them to agents/*.sh). */

/** Writes <stage>.txt, commits it, asks Flux to complete. */
export const WORK = `echo "$FLUX_STAGE_ID" > "$FLUX_STAGE_ID.txt"
git add "$FLUX_STAGE_ID.txt"
git commit -q -m "work for $FLUX_STAGE_ID"
"$FLUX_BIN" stage complete`;

/** Blocks on the FIFO $SCRATCH/go-<stage> until the test opens it (repo.gate / repo.open), then works. */
export const GATED = `echo "waiting for the test"
read go < "$SCRATCH/go-$FLUX_STAGE_ID"
${WORK}`;
