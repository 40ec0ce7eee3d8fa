# Data: download from the public sources (or copy from local_data_dir) and verify SHA-256, or, with
# data_source: testbed, generate the testbed's task family into the data folder (docs/testbed.md).

if config["data_source"] == "paper":

    localrules:
        fetch_data,

    rule fetch_data:
        output:
            [data_file(name) for name in fetched_names()],
        params:
            names=[word for name in fetched_names() for word in ("--name", name)],
            dest_dir=data_dir_param,
            local=["--local-data-dir", config["local_data_dir"]] if config.get("local_data_dir") else [],
        log:
            "logs/fetch_data.log",
        conda:
            "../envs/oneshot-rlvr.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=60,
        shell:
            "oneshot-rlvr fetch-data {params.names:q} --dest-dir {params.dest_dir:q} {params.local:q} > {log:q} 2>&1"

else:

    localrules:
        generate_testbed_data,

    # The pool (in DSR-sub's place), one benchmark per task type and the warm-start corpus, from `testbed:`.
    rule generate_testbed_data:
        output:
            [f"{DATA_DIR}/{relpath}" for relpath in TESTBED_FILES],
        params:
            settings=json.dumps(TESTBED_DATA_SETTINGS, sort_keys=True),
            out_dir=data_dir_param,
        log:
            "logs/generate_testbed_data.log",
        conda:
            "../envs/oneshot-rlvr.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        shell:
            "oneshot-rlvr generate-testbed-data --out-dir {params.out_dir:q} --settings {params.settings:q} > {log:q} 2>&1"

    # The testbed's base model: character-level tokenizer, small Qwen2, SFT warm start on the generated corpus. One
    # thread: the same base on every machine whatever --cores says (a float sum's order follows the thread count, and
    # a different base is a different testbed), and a second OpenMP thread loses more than it gains on a busy machine.
    rule build_testbed_model:
        input:
            f"{DATA_DIR}/{TESTBED_CORPUS}",
        output:
            directory(model_path(BASE)),
        params:
            settings=json.dumps(config["testbed"]["model"], sort_keys=True),
            data_dir=data_dir_param,
        log:
            "logs/build_testbed_model.log",
        benchmark:
            "benchmarks/rules/build_testbed_model.tsv"
        conda:
            "../envs/oneshot-rlvr.yaml"
        threads: 1
        resources:
            mem_mb=3000,
            runtime=30,
        shell:
            "OMP_NUM_THREADS={threads} oneshot-rlvr build-testbed-model --data-dir {params.data_dir:q} --out {output:q}"
            " --settings {params.settings:q} > {log:q} 2>&1"


# The Qwen2.5-Math evaluation's few-shot demonstrations, only for the ICL runs that name them (Table 16).
rule fetch_icl_examples:
    output:
        data_file("qwen_icl"),
    params:
        dest_dir=data_dir_param,
        local=["--local-data-dir", config["local_data_dir"]] if config.get("local_data_dir") else [],
    log:
        "logs/fetch_icl_examples.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "oneshot-rlvr fetch-data --name qwen_icl --dest-dir {params.dest_dir:q} {params.local:q} > {log:q} 2>&1"


rule build_tiny_model:
    input:
        data_file("dsr_sub"),
        data_file("math_train"),
    output:
        directory(config["models"]["tiny"]["path"]) if "tiny" in config["models"] else paths.built_model("tiny"),
    params:
        data_dir=data_dir_param,
        settings=json.dumps(config["tiny_model"], sort_keys=True),
    log:
        "logs/build_tiny_model.log",
    benchmark:
        "benchmarks/rules/build_tiny_model.tsv"
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "oneshot-rlvr build-tiny-model --data-dir {params.data_dir:q} --out {output:q}"
        " --settings {params.settings:q} > {log:q} 2>&1"
