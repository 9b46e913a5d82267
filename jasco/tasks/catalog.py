"""Every task and dataset jasco knows, by name. Importing this module imports no task.

Add a task: a package ``jasco/tasks/<name>/`` with a task object (``jasco.tasks.base.Task``;
``TaskBase`` gives the defaults) and, when it has its own data, a dataset object
(``jasco.tasks.datasets.Dataset``), then one line each below.
"""

from __future__ import annotations

from jasco.tasks.base import TASKS
from jasco.tasks.datasets import DATASETS

# TASKS.register("name", "module:TASK", "one-line summary")
TASKS.register("jasco", "jasco.tasks.jasco.task:TASK", "What Are They Doing (JASCO): 80 clips x 8 instructions, "
               "answers rated by LLM judges")
TASKS.register("speech-quality", "jasco.tasks.speech_quality.task:TASK",
               "speech quality (MOS, noi, col, dis, loud) from audio LLMs and predictors, on NISQA")
TASKS.register("alld-describe", "jasco.tasks.alld.task:DESCRIBE",
               "ALLD describe: a quality description ending with a MOS, vs human ratings and reference descriptions")
TASKS.register("alld-ab", "jasco.tasks.alld.task:AB",
               "ALLD A/B: which of two files sounds better, both orders, the ALLM's own [SpeechA]/[SpeechB]")
TASKS.register("alld-ab-summary", "jasco.tasks.alld.task:AB_SUMMARY",
               "ALLD A/B as published: the ALLM's comparison summarised by a text LLM judge")
TASKS.register("testing-pairs", "jasco.testing.pair_task:TASK",
               "testing: two tones per item, which is higher (1 or 2), scored by rule")
TASKS.register("xacle", "jasco.tasks.xacle.task:TASK",
               "XACLE: how well a caption describes a clip (0-10), official SRCC/LCC/KTAU/MSE against listeners")

# DATASETS.register("name", "module:DATASET", "one-line summary")
DATASETS.register("jasco-what-are-they-doing", "jasco.tasks.jasco.dataset:DATASET",
                  "the 80 JASCO clips, BenoitWang/What_Are_They_Doing@e728f83 (CC BY-NC 4.0)")
DATASETS.register("testing-tones", "jasco.testing.pair_task:DATASET", "testing: pure tones built locally")
DATASETS.register("nisqa", "jasco.tasks.speech_quality.datasets:NISQA",
                  "the NISQA corpus (Zenodo 4728081), human MOS and quality dimensions (largely non-commercial)")
DATASETS.register("speech-demo", "jasco.tasks.speech_quality.datasets:SPEECH_DEMO",
                  "23 real clean recordings with synthetic degradations, NISQA layout, built offline")
DATASETS.register("xacle", "jasco.tasks.xacle.datasets:XACLE",
                  "XACLE text-audio alignment pairs, official layout (no licence stated: research use, see install)")
DATASETS.register("xacle-demo", "jasco.tasks.xacle.datasets:XACLE_DEMO",
                  "240 synthetic XACLE-layout pairs built from the JASCO clips (CC BY-NC 4.0, rule labels)")
