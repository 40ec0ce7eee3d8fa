"""The console at the end of a real Snakemake run: a failed job's reason from its log."""

from __future__ import annotations

from helpers.workflow import copy_workflow, snakemake


def test_a_failed_job_prints_its_one_useful_line(tmp_path):
    """A real failed Snakemake job (fetch_data from a folder that does not exist): the console's last lines carry
    the command's own error line and its log, not just Snakemake's "message: None"."""
    workdir = copy_workflow(tmp_path / "wf")
    missing = tmp_path / "no-such-data"
    args = ["fetch_data", "--cores", "1", "--configfile", "config/tiny.yaml", "--config", f"local_data_dir={missing}"]
    result = snakemake(workdir, *args, check=False)
    assert result.returncode != 0
    expected = (
        f"fetch_data failed: oneshot-rlvr fetch-data: error: {missing}/dsr_sub/dsr_sub.parquet: file not found "
        f"(dataset 'dsr_sub', local_data_dir {missing})  (log: logs/fetch_data.log)"
    )
    assert expected in result.stderr.splitlines(), result.stderr[-3000:]
