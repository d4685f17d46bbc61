"""Word lists for plausible names and addresses (surnames weighted roughly as in east China)."""

from __future__ import annotations

import numpy as np

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
)
# Zipf-like weights: the first surnames are far more common.
SURNAME_WEIGHTS = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.9
SURNAME_WEIGHTS = SURNAME_WEIGHTS / SURNAME_WEIGHTS.sum()

GIVEN_MALE = "伟强磊军勇杰涛明超浩宇轩辰睿泽博文俊豪鑫宸晨阳铭皓子逸凯航哲翔鹏辉"
GIVEN_FEMALE = "静敏燕丽娟婷雪琳欣怡涵萱梓妍雨诗悦可馨彤然佳琪晴思瑶嘉蕾慧颖蓉"
GIVEN_ANY = "一子思雨梓嘉欣宇佳俊语安晨若文心乐诗家云"

ROADS = (
    "人民路", "解放路", "建设路", "中山路", "长江路", "和平路", "胜利路", "新华路", "文化路",
    "学府路", "青年路", "健康路", "光明路", "朝阳路", "东风路", "振兴路", "幸福路", "太湖路",
    "运河路", "淮海路", "黄河路", "珠江路", "北京路", "南京路", "上海路", "金陵路", "紫金路",
    "梅园路", "桃园路", "丰收路",
)  # fmt: skip
SCHOOL_PREFIXES = (
    "实验", "第一", "第二", "第三", "第四", "第五", "城南", "城北", "城东", "城西", "外国语",
    "育才", "育英", "新城", "开发区", "师范附属", "滨江", "湖滨", "中心", "阳光", "博文",
    "明德", "崇文", "启明", "行知", "树人",
)  # fmt: skip
VILLAGES = "东西南北前后新老大小"
HEAD_OF_HOUSEHOLD_TITLES = ("一般贫困户", "低保贫困户", "五保贫困户")


def person_name(surname: int, given1: int, given2: int, sex: int) -> str:
    """A name from its indices; ``given2 < 0`` gives a two-character name."""
    pool = GIVEN_MALE if sex == 1 else GIVEN_FEMALE
    first = pool[given1 % len(pool)]
    if given2 < 0:
        return SURNAMES[surname] + first
    return SURNAMES[surname] + first + (pool + GIVEN_ANY)[given2 % (len(pool) + len(GIVEN_ANY))]


def draw_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index triples for ``n`` names; about a third have a single given character."""
    surname = rng.choice(len(SURNAMES), size=n, p=SURNAME_WEIGHTS).astype(np.int16)
    given1 = rng.integers(0, 1000, n, dtype=np.int16)
    given2 = rng.integers(0, 1000, n, dtype=np.int16)
    given2[rng.random(n) < 0.33] = -1
    return surname, given1, given2
