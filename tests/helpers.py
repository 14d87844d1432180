"""Paths shared by the tests (importable as `helpers`: pytest puts tests/ on sys.path)."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
UU21 = "laws/uu_21_2007_pemberantasan_tppo.md"
PERPRES49 = "laws/perpres_49_2023_perubahan_kedua_perpres_69_2008_gugus_tugas.md"
PERDA_PDF = "laws/perda_diy_6_2025_pencegahan_penanganan_korban_perdagangan_orang.pdf"
NEWS002 = "news/002_d5ae5447535fc412.txt"
TIP_PROTECTION_2019 = "tip_report/tip2019_state_gov_indonesia_02_protection.txt"
