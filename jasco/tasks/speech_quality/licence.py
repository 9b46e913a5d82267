"""The licence statement written beside an installed NISQA corpus.

The corpus has no single licence: its authors provide it "under the original terms of the used
source speech and noise samples". The statement below follows the readme files inside the corpus
(one per split folder), which stay authoritative and are installed with it.
"""

from __future__ import annotations

LICENCE_FILE = "NISQA_LICENSE.txt"

_TEXT = """\
NISQA Corpus: licence statement (written by jasco when it installed this copy)

Source: NISQA_Corpus.zip, Zenodo record 4728081 (https://zenodo.org/records/4728081), by
Gabriel Mittag, Quality and Usability Lab, TU Berlin. Cite: G. Mittag, B. Naderi, A. Chehadi and
S. Moeller, "NISQA: A Deep CNN-Self-Attention Model for Multidimensional Speech Quality Prediction
with Crowdsourced Datasets", Interspeech 2021 (arXiv:2104.09494).

There is no single licence. The authors: "The NISQA Corpus is provided under the original terms
of the used source speech and noise samples." In short, LARGELY NON-COMMERCIAL. Per split, as the
readme file in each split folder of this corpus states (those files are authoritative; read them
and the licence files they name before any use):

- NISQA_TEST_FOR: Australian English forensic voice database; "the files may only be used for
  non-commercial research and forensic casework".
- NISQA_TEST_P501: ITU-T P.501 test signals (ITU is the copyright owner, used under permission by
  ITU); "made available to the public for free and shall not be included in any commercial
  product/service" (see itut_p501_license.txt).
- NISQA_TEST_LIVETALK: see the readme in its folder.
- NISQA_TRAIN_SIM, NISQA_VAL_SIM: the terms of each file's source (the 'source' column):
  LibriVox (public domain), the TSP speech database (simplified BSD, tsp_license.txt), the UK and
  Ireland English dialect corpus (CC BY-SA 4.0, ukire_license.txt), AusTalk (its content licence
  terms, AusTalk_Content_Licence_Terms.pdf); noise from the DNS Challenge set: Audioset
  (CC BY 4.0), Freesound (CC0), DEMAND (CC BY-SA 3.0).
- NISQA_TRAIN_LIVE, NISQA_VAL_LIVE: LibriVox recordings (public domain) played over live calls;
  "may be used for commercial and/or non-commercial research".

The NISQA model weights are a separate work (CC BY-NC-SA 4.0) and are not part of this install.
jasco's code is Apache-2.0; it does not relicense this data. Do not commit this data anywhere.
"""


def licence_text() -> str:
    return _TEXT
