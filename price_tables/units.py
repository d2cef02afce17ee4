"""计价单位 the loader accepts.  A unit outside this list is refused: a typo in a unit would
make every bill line with the right unit look wrong.  Add a unit here when a notice brings one."""

KNOWN_UNITS = frozenset({
    # as printed in 衢医保联发〔2021〕11号 and 12号
    "次", "人次", "日", "小时", "支", "疗程", "每胎", "每抗原", "例", "部位", "次/月", "1%植皮面积",
    # common in the Zhejiang catalogue
    "天", "周", "月", "年", "项", "个", "每个", "单侧", "双侧", "每侧", "半小时", "分钟",
    "每部位", "每牙", "每床日", "床日", "毫升", "袋", "组", "片", "张", "根", "针", "穴位",
})
