# Data: download from the public sources (or copy from local_data_dir) and verify SHA-256.


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
        directory(config["models"]["tiny"]["path"]) if "tiny" in config["models"] else "results/models/tiny",
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
