"""Stage ``train``: fine-tune one system with SpanMarker's Trainer and save it to ``models/<system>/``.

Usage: ``python -m pipeline.train A``. Training curves go to ``reports/training/<system>/`` via dvclive.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from dvclive import Live
from span_marker import Trainer
from transformers import TrainingArguments, set_seed
from transformers.integrations import DVCLiveCallback

from pipeline.atomic import atomic_path, write_json
from pipeline.data import load_labels, load_split
from pipeline.metrics import use_offline_seqeval
from pipeline.modeling import build_model
from pipeline.params import load_params, train_params
from pipeline.stage import run_stage, system_argument

logger = logging.getLogger(__name__)
MODELS_DIR = Path("models")
CHECKPOINTS_DIR = Path("checkpoints")
TRAINING_REPORTS_DIR = Path("reports/training")
TRAIN_RESULTS_FILE = "train_results.json"


def training_arguments(hp: dict[str, Any], output_dir: Path) -> TrainingArguments:
    """Hugging Face training arguments from the ``train`` parameters."""
    return TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=hp["epochs"],
        learning_rate=hp["learning_rate"],
        per_device_train_batch_size=hp["batch_size"],
        per_device_eval_batch_size=hp["eval_batch_size"],
        gradient_accumulation_steps=hp["gradient_accumulation_steps"],
        warmup_ratio=hp["warmup_ratio"],
        lr_scheduler_type=hp["lr_scheduler_type"],
        optim="adamw_torch",
        adam_beta1=hp["adam_beta1"],
        adam_beta2=hp["adam_beta2"],
        adam_epsilon=hp["adam_epsilon"],
        weight_decay=hp["weight_decay"],
        seed=hp["seed"],
        data_seed=hp["seed"],
        bf16=hp["bf16"],
        fp16=hp["fp16"],
        tf32=True if hp["tf32"] else None,
        dataloader_num_workers=hp["dataloader_num_workers"],
        eval_strategy="epoch",
        save_strategy="no",
        logging_strategy="steps",
        logging_steps=hp["logging_steps"],
        report_to="none",
        disable_tqdm=False,
    )


def main() -> None:
    system = system_argument("train")
    params = load_params()
    hp = train_params(params, system)
    set_seed(hp["seed"])
    labels = load_labels(system)
    model = build_model(params["model"], labels)
    use_offline_seqeval()

    live = Live(dir=str(TRAINING_REPORTS_DIR / system), dvcyaml=None, save_dvc_exp=False)
    trainer = Trainer(
        model=model,
        args=training_arguments(hp, CHECKPOINTS_DIR / system),
        train_dataset=load_split(system, "train"),
        eval_dataset=load_split(system, "validation"),
        callbacks=[DVCLiveCallback(live=live)],
    )
    logger.info("training system %s (%d labels) from %s", system, len(labels), params["model"]["name"])
    result = trainer.train()
    with atomic_path(MODELS_DIR / system) as tmp:
        trainer.save_model(str(tmp))
        write_json(tmp / TRAIN_RESULTS_FILE, result.metrics)
    logger.info("saved %s", MODELS_DIR / system)


if __name__ == "__main__":
    run_stage(main)
