"""Typed views of ``params.yaml``: one frozen pydantic model per block, each built and checked by the stage that
reads it, once, at its entry point; what the stage passes down is typed.

A stage builds only the blocks it reads (``DownloadParams.read(params)``), or only the keys of a block it declares
(``EvaluateParams.read(params, "batch_size")``), so a parameter is checked where it is used and nowhere else: a value
that only ``download`` reads never stops ``evaluate``. pydantic checks every field's type and range (strictly:
``1.5`` is no integer, ``true`` no number); the first bad value raises :class:`ParamError`, one line naming the
parameter, the value and what is
allowed. Readers take values key by key from the parsed file, so what a stage reads can be recorded
(``tests/param_recorder.py``) and compared with the ``params`` of its ``dvc.yaml`` entry.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

import annotated_types
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo
from ruamel.yaml import YAML

from pipeline.core.exceptions import ParamError
from pipeline.core.paths import PARAMS_FILE, LanguageCode
from pipeline.data.labels import EntityType

T = TypeVar("T", bound=BaseModel)
SYSTEM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
"""A system's name: letters, digits and hyphens (it names files such as ``baseline_<system>.json``, hence no
underscore, and DVC stages such as ``train@<system>``)."""


def read_params(path: str | Path = PARAMS_FILE) -> dict[str, Any]:
    """The parameter file as nested dictionaries, unchecked; raises :class:`ParamError` if it is missing.

    Read as YAML 1.2, as DVC reads and writes it: ``dvc exp run -S train.learning_rate=5.0e-5`` stores
    ``5e-05``, a number in YAML 1.2 but a string to a YAML 1.1 reader such as PyYAML.
    """
    path = Path(path)
    if not path.is_file():
        raise ParamError(f"{path}: parameter file not found (run the stages from the repository root)")
    params = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(params, dict):
        raise ParamError(f"{path}: expected a mapping of parameter blocks, got {type(params).__name__}")
    return params


def _allowed(info: FieldInfo) -> str:
    """Words for what a field accepts, for error messages."""
    hint, bounds = info.annotation, {type(m): m for m in info.metadata}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return ", ".join(str(arg) for arg in args)
    if hint is bool:
        return "true or false"
    if hint is int:
        return f"an integer >= {bounds[annotated_types.Ge].ge}" if annotated_types.Ge in bounds else "an integer"
    if hint is float:
        low = bounds.get(annotated_types.Gt) or bounds[annotated_types.Ge]
        opening, value = ("(", low.gt) if isinstance(low, annotated_types.Gt) else ("[", low.ge)
        assert isinstance(value, int | float)  # the bounds of every float field are numbers
        return f"a number in {opening}{float(value)}, {float(bounds[annotated_types.Le].le)}]"
    if origin is dict:
        choices = typing.get_args(args[1]) if typing.get_origin(args[1]) is Literal else ()
        return f"a non-empty mapping of names to: {', '.join(choices)}" if choices else "a mapping"
    if origin is tuple:
        item = args[0]
        choices = typing.get_args(item) if typing.get_origin(item) is Literal else ()
        integers = typing.get_args(item)[:1] == (int,)  # Annotated[int, ...]
        items = f"of: {', '.join(choices)}" if choices else "of integers >= 0" if integers else "of names"
        return (
            f"a non-empty list without repeats {items}"
            if annotated_types.MinLen in bounds
            else f"a list without repeats {items}"
        )
    if type(None) in args:
        choices = next((typing.get_args(arg) for arg in args if typing.get_origin(arg) is Literal), ())
        return f"{', '.join(choices)} or null" if choices else "a string or null"
    return "a non-empty string"


def build(cls: type[T], values: Any, name: str, where: dict[str, str] | None = None) -> T:
    """An instance of the model ``cls`` from the mapping ``values`` (the block ``name`` of the file).

    ``where`` names the parameter a field came from when it is not ``<name>.<field>`` (a system's override).
    Raises :class:`ParamError` for a missing block, a missing or unknown key, or a value of the wrong type
    or outside its range.
    """
    if not isinstance(values, dict):
        raise ParamError(f"{name}: missing from params.yaml or not a mapping")
    values = {key: tuple(value) if isinstance(value, list) else value for key, value in values.items()}
    try:
        return cls(**values)
    except ValidationError as error:
        problems = error.errors()
    unknown = sorted(str(problem["loc"][0]) for problem in problems if problem["type"] == "extra_forbidden")
    if unknown:
        raise ParamError(f"{name}: unknown key(s) {unknown}; allowed keys: {', '.join(cls.model_fields)}") from None
    key = str(problems[0]["loc"][0])
    label = (where or {}).get(key, f"{name}.{key}")
    if problems[0]["type"] == "missing":
        raise ParamError(f"{label}: missing from params.yaml") from None
    value = values[key]
    shown = list(value) if isinstance(value, tuple) else value
    raise ParamError(f"{label}: got {shown!r}; allowed: {_allowed(cls.model_fields[key])}") from None


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(items)) != len(items):
        raise ValueError("repeated item")
    return items


class Block(BaseModel):
    """A parameter block read from ``params[BLOCK]``: one model per block of ``params.yaml``."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    BLOCK: ClassVar[str]

    @classmethod
    def read(cls, params: dict[str, Any], *only: str) -> Self:
        """The block, built and checked by :func:`build`.

        With ``only`` (field names), just those keys of the block are read and checked, for a stage that declares
        part of the block in ``dvc.yaml``: the other fields are left unset, and reading one raises
        ``AttributeError``. Raises :class:`ParamError` as :func:`build` does.
        """
        block = params.get(cls.BLOCK)
        if not only:
            return build(cls, block, cls.BLOCK)
        if isinstance(block, dict):
            block = {key: block[key] for key in only if key in block}
        return cls.model_construct(**dict(build(cls.part(*only), block, cls.BLOCK)))  # type: ignore[return-value]

    @classmethod
    def part(cls, *only: str) -> type[BaseModel]:
        """A model of the fields ``only`` of this one, with the same types, bounds and checks."""
        unknown = sorted(set(only) - set(cls.model_fields))
        if unknown:
            raise ValueError(f"{cls.__name__} has no field(s) {unknown}")
        fields: dict[str, Any] = {
            name: (info.annotation, info) for name, info in cls.model_fields.items() if name in only
        }
        return create_model(f"{cls.__name__}Part", __config__=cls.model_config, **fields)


Languages = Annotated[tuple[LanguageCode, ...], AfterValidator(_unique)]
Seeds = Annotated[tuple[Annotated[int, Field(ge=0)], ...], AfterValidator(_unique)]


class DownloadParams(Block):
    """Block ``download``: where MultiNERD comes from."""

    BLOCK: ClassVar[str] = "download"
    source: Literal["sample", "local", "hub"]
    """``sample``: the embedded synthetic sample; ``local``: a copy on disk; ``hub``: the Hugging Face Hub."""
    path: str = Field(min_length=1)
    """Folder read by ``sample`` and ``local``, laid out like the Hub dataset (``train/ val/ test/``); a
    dependency of the ``download`` stage, so a change to its files reruns it."""
    hub_name: str = Field(min_length=1)
    """Hub dataset id, read by ``hub``."""
    hub_revision: str | None
    """Pinned Hub revision (a commit hash), read by ``hub``; it is what identifies the Hub data."""


class PrepareParams(Block):
    """Block ``prepare``: which rows the systems learn from."""

    BLOCK: ClassVar[str] = "prepare"
    languages: Languages = Field(min_length=1)
    """MultiNERD ``lang`` codes of the rows the systems train, validate and are tested on, e.g. ``[en]`` or
    ``[en, de]``; the ``languages`` stage tests every language whatever this holds."""
    deduplicate: bool
    """Drop repeated sentences within each split, and from validation and test every sentence that occurs in
    train (:func:`pipeline.data.audit.deduplicate`); false, as the original project ran, keeps the data as it is."""


class ModelParams(Block):
    """Block ``model``: the starting model and SpanMarker's lengths."""

    BLOCK: ClassVar[str] = "model"
    name: str = Field(min_length=1)
    """Hub id, local folder, or ``pypi:<module>`` for a model shipped in a Python package."""
    revision: str | None
    """Pinned Hub revision when ``name`` is a Hub id."""
    model_max_length: int = Field(ge=8)
    """Sub-word tokens per sentence; longer sentences are truncated."""
    marker_max_length: int = Field(ge=1)
    """Span markers packed into one sample."""
    entity_max_length: int = Field(ge=1)
    """Longest entity, in words."""


SchedulerName = Literal[
    "linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup", "inverse_sqrt"
]
"""Learning-rate schedules of ``transformers`` that need no further arguments."""


def check_override_keys(overrides: Any, system: str) -> None:
    """Raise :class:`ParamError` unless ``overrides`` (``systems.<system>.train``) maps keys of ``train`` other than
    ``seeds``: the runs of every system are ``dvc.yaml``'s matrix of systems × ``train.seeds``, one list for all."""
    if not isinstance(overrides, dict):
        raise ParamError(f"systems.{system}.train: got {overrides!r}; allowed: a mapping")
    if "seeds" in overrides:
        raise ParamError(
            f"systems.{system}.train.seeds: a system cannot have seeds of its own; allowed: train.seeds alone, which "
            "every system runs (dvc.yaml's stages are a matrix of systems × train.seeds)"
        )
    unknown = sorted(set(overrides) - set(TrainParams.model_fields))
    if unknown:
        raise ParamError(
            f"systems.{system}.train: got {unknown}; allowed: keys of train ({', '.join(TrainParams.model_fields)})"
        )


def system_block(params: dict[str, Any], system: str) -> dict[str, Any]:
    """``params["systems"][system]``; raises :class:`ParamError` when it is missing or not a mapping."""
    block = (params.get("systems") or {}).get(system)
    if not isinstance(block, dict):
        raise ParamError(f"systems.{system}: missing from params.yaml or not a mapping")
    return block


class TrainParams(Block):
    """Block ``train``: how every system is fine-tuned. A system's effective settings, the block with its
    ``systems.<system>.train`` overrides applied, come from :meth:`for_system` alone (through
    :func:`pipeline.data.splits.training_settings` for the overrides that ``prepare`` recorded)."""

    BLOCK: ClassVar[str] = "train"
    epochs: int = Field(ge=1)
    learning_rate: float = Field(gt=0.0, le=1.0)
    batch_size: int = Field(ge=1)
    """Samples per device and optimizer micro-step: a sentence is one sample, or several when it has more
    candidate spans than ``model.marker_max_length``."""
    eval_batch_size: int = Field(ge=1)
    """Samples per batch in the validation passes during training."""
    gradient_accumulation_steps: int = Field(ge=1)
    """Micro-batches per optimizer step; the step's loss is the mean of their mean losses."""
    group_by_length: bool
    """Draw each optimizer step's samples among samples of similar length (transformers' length-grouped
    sampling: random mega-batches of 50 steps, sorted by length), so that padding each batch to its longest
    sample leaves little padding. False: uniformly random batches."""
    warmup_ratio: float = Field(ge=0.0, le=1.0)
    """Fraction of the optimizer steps spent warming the learning rate up."""
    lr_scheduler_type: SchedulerName
    adam_beta1: float = Field(ge=0.0, le=1.0)
    adam_beta2: float = Field(ge=0.0, le=1.0)
    adam_epsilon: float = Field(gt=0.0, le=1.0)
    weight_decay: float = Field(ge=0.0, le=1.0)
    seeds: Seeds = Field(min_length=1)
    """Training seeds: every system is trained, evaluated and scored once per seed, each run its own stage
    instance (``train@<system>-<seed>``), and its scores are summarised over the seeds (mean, standard
    deviation, min, max). The first seed's run is the system's reference run: the one the int8, languages and
    external stages, the error analysis and ``predict`` use. In the settings of one run (:meth:`for_run`) it
    holds that run's seed alone."""
    logging_steps: int = Field(ge=1)
    """Optimizer steps between two points of the training-loss curve."""
    bf16: bool
    """bfloat16 mixed precision (GPU: A100/H100); also the inference precision of evaluate and baseline."""
    fp16: bool
    """float16 mixed precision (GPU: V100); false when ``bf16`` is true."""
    tf32: bool
    """TF32 matmuls (GPU: A100/H100)."""
    dataloader_num_workers: int = Field(ge=0)
    checkpoint_steps: int = Field(ge=0)
    """Optimizer steps between resumable checkpoints; 0: none. A multiple of ``logging_steps``: the first loss a
    resumed run logs then averages the same steps as in an uninterrupted run."""
    processes: int = Field(ge=1)
    """DDP training processes on this machine (one per GPU), launched with ``torchrun``."""
    oversample_threshold: float = Field(ge=0.0, le=1.0)
    """Repeat-factor oversampling of the long tail (:mod:`pipeline.data.tail`): a type found in a fraction ``f``
    of the training sentences below this threshold gets the repeat factor ``sqrt(threshold / f)``; a sentence is
    repeated by the largest factor of its types, rounded, at most ``oversample_cap`` times. 0: off."""
    oversample_cap: int = Field(ge=1)
    """Most copies of one training sentence that oversampling makes (1: no repeats)."""
    keep: Literal["last", "best"]
    """Which weights the model folder holds: ``last``, those after the last optimizer step; ``best``, those of the
    evaluation with the highest validation micro F1, the earliest of equal ones (:mod:`pipeline.model.selection`)."""
    eval_steps: int = Field(ge=0)
    """Optimizer steps between two evaluations on the validation split, which is also scored after the last step;
    0: once per epoch, at its end."""
    early_stopping_patience: int = Field(ge=0)
    """Stop training after this many evaluations in a row without a higher validation micro F1 than the best so
    far; 0: off. Requires ``keep: best``."""

    @classmethod
    def for_system(cls, params: dict[str, Any], system: str, overrides: dict[str, Any]) -> TrainParams:
        """The shared ``train`` block with ``overrides`` (``systems.<system>.train``, as ``prepare`` recorded it)
        applied: the settings ``system`` is trained with. Errors name the key's origin; raises
        :class:`ParamError` for a bad value, ``bf16`` with ``fp16``, checkpoints off the logging grid, early
        stopping without ``keep: best``, or ``keep: best`` with a single evaluation to choose from."""
        shared = cls._shared(params, system, overrides)
        return cls._checked({**shared, **overrides}, {key: f"systems.{system}.train.{key}" for key in overrides})

    @classmethod
    def for_run(cls, params: dict[str, Any], system: str, overrides: dict[str, Any], seed: int) -> TrainParams:
        """The settings of one run, ``system`` trained with ``seed``: :meth:`for_system`'s, with ``seeds`` the run's
        seed alone. ``train.seeds`` is not read (each key of the block is taken by name), so that adding a seed
        to the list reruns no existing run; a key of the block that is not a parameter is left to the stages
        that read the whole block. Raises :class:`ParamError` as :meth:`for_system` does."""
        shared = cls._shared(params, system, overrides)
        values = {key: shared[key] for key in RUN_KEYS if key in shared}
        where = {key: f"systems.{system}.train.{key}" for key in overrides}
        return cls._checked({**values, **overrides, "seeds": [seed]}, where)

    @classmethod
    def _shared(cls, params: dict[str, Any], system: str, overrides: dict[str, Any]) -> dict[str, Any]:
        """The shared ``train`` block of ``params``, once ``overrides`` (``system``'s) are checked to name keys of it;
        raises :class:`ParamError` when the block is missing or an override is not a key of it."""
        shared = params.get(cls.BLOCK)
        if not isinstance(shared, dict):
            raise ParamError(f"{cls.BLOCK}: missing from params.yaml or not a mapping")
        check_override_keys(overrides, system)
        return shared

    @classmethod
    def _checked(cls, values: dict[str, Any], where: dict[str, str]) -> TrainParams:
        """The block built from ``values`` (``where``: the parameter each overridden key came from), with the
        checks across keys."""
        hp = build(cls, values, cls.BLOCK, where)
        if hp.bf16 and hp.fp16:
            raise ParamError(f"{where.get('fp16', 'train.fp16')}: got True; allowed: false when bf16 is true")
        if hp.checkpoint_steps % hp.logging_steps:
            raise ParamError(
                f"{where.get('checkpoint_steps', 'train.checkpoint_steps')}: got {hp.checkpoint_steps}; "
                f"allowed: 0 or a multiple of train.logging_steps ({hp.logging_steps}), so that a "
                "resumed run logs the same loss curve as an uninterrupted one"
            )
        if hp.early_stopping_patience and hp.keep != "best":
            raise ParamError(
                f"{where.get('early_stopping_patience', 'train.early_stopping_patience')}: got "
                f"{hp.early_stopping_patience}; allowed: 0 when train.keep is last (early stopping keeps the best "
                "evaluation: set keep: best)"
            )
        if hp.keep == "best" and hp.epochs == 1 and not hp.eval_steps:
            raise ParamError(
                f"{where.get('keep', 'train.keep')}: got 'best'; allowed: last when training evaluates once "
                "(epochs 1, eval_steps 0): set eval_steps to evaluate every N optimizer steps"
            )
        return hp


RUN_KEYS = tuple(name for name in TrainParams.model_fields if name != "seeds")
"""The keys of ``train`` one run's training reads: all but ``seeds`` (the run's seed is on its command line)."""


class ComputeParams(Block):
    """Block ``compute``: the threads and CPU kernels of every stage that runs a model (train, export, evaluate, int8,
    baseline, languages, external), fixed so that a result does not depend on the machine's core count or
    instruction set (:mod:`pipeline.model.compute`)."""

    BLOCK: ClassVar[str] = "compute"
    threads: int = Field(ge=0)
    """torch intra- and inter-op threads; 0: torch's own choice (the cores, or ``OMP_NUM_THREADS``), whose
    results then differ from machine to machine."""
    cpu_isa: Literal["avx2", "avx512", "native"]
    """Widest instruction set of the CPU kernels (ATen, oneDNN, MKL) on x86; ``native``: each library's own
    choice for this CPU."""


EntityTypes = Annotated[tuple[EntityType, ...], AfterValidator(_unique)]


class SystemParams(Block):
    """Block ``systems.<system>``: the entity types a system keeps, its training overrides, and the systems
    scored on its types beside it. Only ``types`` is required."""

    types: EntityTypes = Field(min_length=1)
    """MultiNERD entity types kept; every other tag becomes ``O``."""
    train: dict[str, Any] = {}
    """Overrides of the ``train`` block for this system only, e.g. ``{learning_rate: 1.0e-4}``."""
    compare: tuple[str, ...] = ()
    """Other systems scored on this system's types beside it: their test predictions and gold tags with every
    type outside the types both systems keep mapped to ``O`` (``analyze``)."""

    @classmethod
    def read(cls, params: dict[str, Any], system: str) -> SystemParams:  # type: ignore[override]
        """The entry, its ``train`` keys checked to be keys of the ``train`` block (their values are checked by
        :meth:`TrainParams.for_system`) and each name in ``compare`` to be another system (by membership alone, so
        that the entry's readers depend on no other system's entry)."""
        entry = build(cls, system_block(params, system), f"systems.{system}")
        check_override_keys(entry.train, system)
        systems = params.get("systems") or {}
        for other in entry.compare:
            if other == system or other not in systems:
                others = [name for name in system_names(params) if name != system]
                raise ParamError(
                    f"systems.{system}.compare: got {other!r}; allowed: other systems ({', '.join(others) or 'none'})"
                )
        return entry


def check_system_name(name: Any) -> str:
    """``name`` if it is a :data:`SYSTEM_NAME`; raises :class:`ParamError` otherwise."""
    if not isinstance(name, str) or not SYSTEM_NAME.fullmatch(name):
        raise ParamError(
            f"systems: got the name {name!r}; allowed: letters, digits and hyphens, starting with a letter or digit"
        )
    return name


def system_names(params: dict[str, Any]) -> list[str]:
    """The systems of ``params``, in file order; raises :class:`ParamError` when there is none or a name is
    not a :data:`SYSTEM_NAME`."""
    systems = params.get("systems")
    if not isinstance(systems, dict) or not systems:
        raise ParamError("systems: missing from params.yaml or empty; allowed: a mapping of system names to entries")
    return [check_system_name(name) for name in systems]


def all_systems(params: dict[str, Any]) -> dict[str, SystemParams]:
    """Every system's whole entry, checked (:meth:`SystemParams.read`), in file order."""
    return {system: SystemParams.read(params, system) for system in system_names(params)}


RUNTIMES = ("torch", "onnx", "onnx-int8")
"""What computes a model's span logits: PyTorch, the export stage's float32 ONNX graph, or its int8 graph
(:mod:`pipeline.graphs.onnx_graph`)."""
Runtime = Literal["torch", "onnx", "onnx-int8"]


class EvaluateParams(Block):
    """Block ``evaluate``: how the systems and their baselines are scored on the test splits. Each scoring stage
    reads the keys it declares (``EvaluateParams.read(params, "batch_size")``), so that changing one reruns only
    the stages that use it."""

    BLOCK: ClassVar[str] = "evaluate"
    batch_size: int = Field(ge=1)
    """Samples per prediction batch: a sentence is one sample, or several when it has more candidate spans than
    ``model.marker_max_length`` (SpanMarker packs a sentence's spans into samples of that many markers). Read by
    every stage that runs a model on a test split, and by ``export`` for the graph's check."""
    runtime: Runtime
    """What computes the span logits in the evaluate, languages and external stages: ``torch`` (the reference
    numbers), ``onnx`` (the export stage's float graph: the same entities, scores within 1e-4) or ``onnx-int8``
    (the int8 graph: other scores, faster on a CPU). The ``int8`` stage always runs the int8 graph."""
    languages: Languages = Field(min_length=1)
    """MultiNERD ``lang`` codes, each tested on its own test split by the ``languages`` stage; changing them never
    retrains."""
    bootstrap_resamples: int = Field(ge=1)
    """Resamples of the test sentences behind every confidence interval (:mod:`pipeline.evaluation.bootstrap`)."""
    bootstrap_seed: int = Field(ge=0)
    """Seed of the resampling; the same seed draws the same resamples for every system (paired)."""
    aso_alpha: float = Field(gt=0.0, le=0.5)
    """Significance level of the Almost Stochastic Order test over training seeds (confidence ``1 − aso_alpha``),
    which judges the differences between systems when either side has several seeds
    (:mod:`pipeline.evaluation.stochastic_order`)."""
    aso_threshold: float = Field(gt=0.0, le=0.5)
    """One side is judged better when its ``epsilon_min`` (the violation ratio of stochastic dominance) is below
    this: 0.5 is the test's own bound, 0.2 the stricter value deepsig's authors recommend."""


class OnnxParams(Block):
    """Block ``onnx``: the ONNX graphs the export stage writes into ``graphs/<system>/seed-<seed>/``
    (:mod:`pipeline.graphs.onnx_graph`)."""

    BLOCK: ClassVar[str] = "onnx"
    export: bool
    """Export the float32 and int8 graphs (false: neither; the ``onnx`` runtimes and the ``int8`` stage then
    have no graph to run)."""
    check_sentences: int = Field(ge=0)
    """Validation sentences the float graph is checked on against PyTorch before it is written; 0: all."""


Published = Literal[
    "conll2003", "conll2003-de", "conll2002-es", "conll2002-nl", "wikigold", "ontonotes", "bsnlp-ru", "bsnlp-pl"
]
"""The test sets the MultiNERD paper publishes a figure for (:data:`PUBLISHED_F1`)."""
PUBLISHED_F1: dict[Published, float] = {
    "conll2003": 77.11,
    "conll2003-de": 65.22,
    "conll2002-es": 78.2,
    "conll2002-nl": 77.84,
    "wikigold": 83.11,
    "ontonotes": 72.45,
    "bsnlp-ru": 67.39,
    "bsnlp-pl": 62.94,
}
"""Micro F1 (percent) published for a model trained on MultiNERD and tested out of domain on other NER sets with PER,
ORG and LOC kept and MISC dropped: Tedeschi and Navigli, *MultiNERD*, Findings of NAACL 2022. ``conll2003``:
CoNLL-2003 English, ``conll2003-de``: CoNLL-2003 German, ``conll2002-es`` and ``conll2002-nl``: CoNLL-2002 Spanish
and Dutch, ``wikigold``: WikiGold, ``ontonotes``: OntoNotes, ``bsnlp-ru`` and ``bsnlp-pl``: BSNLP Russian and Polish
(the English CoNLL-2003 and WikiGold figures are also in figure ``img/coarse_results.png`` of the Babelscape/multinerd
repository). The report shows it beside a set that declares ``published``; it is the paper's model, not one of this
run's."""
TypeMap = dict[str, EntityType]


class ExternalSet(BaseModel):
    """What every external test set declares: how its entity types map onto MultiNERD's."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    types: TypeMap = Field(min_length=1)
    """The set's entity types (the ``X`` of its ``B-X``/``I-X`` tags) mapped to MultiNERD types, e.g. ``{PER: PER,
    PERSON: PER, GPE: LOC}``; a tag of any other type (``MISC``) becomes ``O``."""
    published: Published | None = None
    """The set the MultiNERD paper reports this one as (:data:`PUBLISHED_F1`), for the report; null: none."""


class LocalSet(ExternalSet):
    """``external.local.<set>``: a file, or a folder of files, in the CoNLL layout (:mod:`pipeline.sources.conll`)."""

    path: str = Field(min_length=1)
    """The file or folder, relative to the repository root or absolute; a dependency of its ``external_local``
    stage."""
    token_column: int = Field(ge=0)
    """Column of the token, counted from 0 (WikiNEuRal's ``index<TAB>token<TAB>tag``: 1; CoNLL-2003: 0)."""
    tag_column: int
    """Column of the BIO tag, counted from 0, or from the end when negative (-1: the last column)."""


class HubSet(ExternalSet):
    """``external.hub.<set>``: one split of a Hugging Face Hub dataset with ``tokens`` and ``ner_tags`` columns."""

    hub_name: str = Field(min_length=1)
    """Hub dataset id (or a local folder laid out like one)."""
    hub_revision: str | None
    """Pinned revision (a commit hash): what identifies the data."""
    split: str = Field(min_length=1)
    """The split to read."""
    data_files: str | None = None
    """The repository's file(s) of that split (a path or glob, ``test_en.jsonl``), for a dataset whose automatic
    splits mix languages; null: the dataset's own splits."""
    tag_names: tuple[str, ...] = ()
    """The BIO tag of each ``ner_tags`` id, for a dataset whose features do not name them; when they do, these
    must be the same."""


def _entry(cls: type[T], params: dict[str, Any], source: str, name: str) -> T:
    """``external.<source>.<name>`` built as ``cls``; raises :class:`ParamError` when it is missing."""
    block = (params.get("external") or {}).get(source)
    if not isinstance(block, dict) or name not in block:
        raise ParamError(f"external.{source}.{name}: missing from params.yaml")
    return build(cls, block[name], f"external.{source}.{name}")


def local_set(params: dict[str, Any], name: str) -> LocalSet:
    """``external.local.<name>``, checked."""
    return _entry(LocalSet, params, "local", check_set_name(name))


def hub_set(params: dict[str, Any], name: str) -> HubSet:
    """``external.hub.<name>``, checked."""
    return _entry(HubSet, params, "hub", check_set_name(name))


def check_set_name(name: Any) -> str:
    """``name`` if it is a :data:`SYSTEM_NAME` (it names files and stages, as a system's name does); raises
    :class:`ParamError` otherwise."""
    if not isinstance(name, str) or not SYSTEM_NAME.fullmatch(name):
        raise ParamError(
            f"external: got the set name {name!r}; allowed: letters, digits and hyphens, starting with "
            "a letter or digit"
        )
    return name


def external_sets(params: dict[str, Any]) -> dict[str, ExternalSet]:
    """Block ``external``: every declared set by name, local sets first, each in file order. ``external.local``
    and ``external.hub`` are both required (``{}`` for none: ``dvc.yaml`` makes a stage of each entry). Raises
    :class:`ParamError` for a bad entry, a bad name or a name declared twice."""
    block = params.get("external")
    if (
        not isinstance(block, dict)
        or set(block) != {"local", "hub"}
        or not all(isinstance(block[key], dict) for key in ("local", "hub"))
    ):
        raise ParamError(
            f"external: got {block!r}; allowed: a mapping with the keys local and hub, each a mapping "
            "of set names to entries ({} for none)"
        )
    twice = sorted(set(block["local"]) & set(block["hub"]))
    if twice:
        raise ParamError(f"external: the set name(s) {twice} are declared under both local and hub; keep one")
    sets: dict[str, ExternalSet] = {name: local_set(params, name) for name in block["local"]}
    return sets | {name: hub_set(params, name) for name in block["hub"]}
