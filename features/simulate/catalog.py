"""Vocabulary of the generated market: industries, kinds of entity, names, roads, categories.

Plain data only; the generator draws from it by index so that strings are built once, in bulk.
"""

from __future__ import annotations

from typing import Final

KEYS: Final = ("food", "ecommerce", "quasi_financial", "other")
FOOD, ECOM, QF, OTHER = 0, 1, 2, 3

# entity kind, share of all entities, is an enterprise (files annual reports as one)
KINDS: Final = (
    ("个体工商户", 0.62, False),
    ("有限责任公司", 0.30, True),
    ("股份有限公司", 0.005, True),
    ("个人独资企业", 0.02, True),
    ("合伙企业", 0.01, True),
    ("分公司", 0.04, True),
    ("农民专业合作社", 0.005, True),
)
INDIVIDUAL = 0
BRANCH = 5

# industry key by kind: share of food, e-commerce, quasi-financial (rest: other industries)
INDUSTRY_MIX_INDIVIDUAL: Final = (0.26, 0.04, 0.0)
INDUSTRY_MIX_COMPANY: Final = (0.08, 0.06, 0.095)
INDUSTRY_MIX_PARTNERSHIP: Final = (0.02, 0.02, 0.30)

# (industry key index, GB/T 4754 class, word used in names, weight within the key)
CATALOG: Final = (
    (FOOD, "6210", "餐厅", 0.22), (FOOD, "6220", "快餐店", 0.14), (FOOD, "6291", "小吃店", 0.14),
    (FOOD, "6231", "茶饮店", 0.07), (FOOD, "6241", "餐饮配送", 0.03), (FOOD, "5211", "超市", 0.05),
    (FOOD, "5212", "便利店", 0.08), (FOOD, "5221", "粮油店", 0.04), (FOOD, "5223", "肉品店", 0.04),
    (FOOD, "5224", "水产店", 0.03), (FOOD, "5227", "食品店", 0.06), (FOOD, "5127", "食品贸易", 0.03),
    (FOOD, "1392", "食品加工", 0.02), (FOOD, "1431", "烘焙食品", 0.01),
    (ECOM, "5292", "电子商务", 0.45), (ECOM, "5193", "网络贸易", 0.20),
    (ECOM, "6432", "网络科技", 0.12), (ECOM, "7251", "网络广告", 0.08),
    (ECOM, "5293", "直销", 0.10), (ECOM, "6930", "支付服务", 0.05),
    (QF, "7212", "投资管理", 0.22), (QF, "7243", "投资咨询", 0.18), (QF, "7249", "商务咨询", 0.10),
    (QF, "6631", "融资租赁", 0.08), (QF, "6639", "商业保理", 0.07), (QF, "6635", "小额贷款", 0.04),
    (QF, "6633", "典当行", 0.03), (QF, "6637", "网络借贷", 0.04), (QF, "7295", "信用服务", 0.05),
    (QF, "7296", "担保", 0.05), (QF, "6739", "私募基金管理", 0.08), (QF, "6999", "金融信息服务", 0.06),
    (OTHER, "5171", "五金", 0.10), (OTHER, "3929", "电子", 0.10), (OTHER, "2929", "塑胶", 0.08),
    (OTHER, "1810", "服装", 0.10), (OTHER, "5432", "物流", 0.06), (OTHER, "5019", "贸易", 0.16),
    (OTHER, "3525", "模具", 0.05), (OTHER, "2110", "家具", 0.05), (OTHER, "2319", "印刷", 0.03),
    (OTHER, "8011", "美发店", 0.08), (OTHER, "5274", "手机店", 0.06), (OTHER, "4910", "装饰工程", 0.05),
    (OTHER, "6513", "软件开发", 0.04), (OTHER, "8051", "洗车店", 0.04),
)

SCOPES: Final = (
    "餐饮服务；食品经营；预包装食品销售",
    "互联网销售；网络技术服务；电子商务平台运营",
    "投资咨询；资产管理；企业管理咨询（不含金融业务）",
    "生产、销售：五金制品、电子产品、塑胶制品；货物进出口",
)

BRAND_CHARS: Final = (
    "华盛鑫隆泰兴达源富盈嘉宏昌利恒安瑞祥瀚金银汇通发福顺德新宝信诚永康美佳星辉明光辰晨"
    "海天蓝凯旭创志远博亿万联众合乐和欣悦润丰裕聚荣誉鹏飞腾龙凤麒麟锦绣豪威誉诺捷速"
)
SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
)
GIVEN_CHARS: Final = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红建文辉力林斌宇浩凯鹏波鑫"
    "婷雪琳晶欣怡佳俊峰志国春梅海燕云飞东晓亮辉健雄"
)
ROADS: Final = (
    "东城大道", "鸿福路", "莞太路", "长安路", "虎门大道", "松山湖大道", "常平大道", "环城路",
    "人民路", "建设路", "新城路", "振兴路", "工业大道", "沿河路", "商业街", "解放路", "育才路",
    "金龙路", "银湖路", "迎宾路", "体育路", "学府路", "中山路", "太平路", "运河路", "滨江路",
    "黄河路", "东纵路", "南城路", "元美路", "宏图路", "莞龙路", "园林路", "文化路", "科技路",
)

# complaint categories by industry key; the first food categories are the commonest
COMPLAINT_CATEGORIES: Final = (
    ("过期变质", "异物", "食用后不适", "无证经营", "卫生问题", "标签问题", "保健食品虚假宣传",
     "外卖食品安全"),
    ("虚假宣传", "假冒伪劣", "七日无理由退货", "价格欺诈", "刷单炒信", "平台不公平条款",
     "预付卡跑路", "直播带货"),
    ("非法集资", "虚假宣传", "合同纠纷", "预付卡跑路"),
    ("产品质量", "价格", "合同", "售后服务", "计量", "广告"),
)
VIOLATION_TYPES: Final = (
    "经营不符合食品安全标准的食品", "虚假宣传", "涉嫌非法集资", "未依法公示信息",
)
LEGAL_BASES: Final = (
    "《中华人民共和国食品安全法》第一百二十四条", "《中华人民共和国电子商务法》第八十一条",
    "《防范和处置非法集资条例》第三十条", "《中华人民共和国反不正当竞争法》第二十条",
)
