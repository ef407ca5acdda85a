//! UI labels in English and Chinese. Templates read them as `t.<key>`.

use std::collections::BTreeMap;

const LABELS: &[(&str, &str, &str)] = &[
    ("dashboard", "Dashboard", "总览"),
    ("accounts", "Accounts", "客户"),
    ("owners", "Owners", "负责人"),
    ("tiers", "Tiers", "分级"),
    ("guides", "Guides", "指南"),
    ("search", "Search", "搜索"),
    (
        "search_placeholder",
        "Search accounts, contacts, notes… (press /)",
        "搜索客户、联系人、纪要…（按 / 键）",
    ),
    ("account", "Account", "客户"),
    ("name", "Name", "名称"),
    ("tier", "Tier", "级别"),
    ("status", "Status", "状态"),
    ("owner", "Owner", "负责人"),
    ("team", "Team", "团队"),
    ("region", "Region", "区域"),
    ("industry", "Industry", "行业"),
    ("score", "Score", "得分"),
    ("computed", "computed", "计算"),
    ("declared", "Declared", "申报"),
    ("override", "Override", "例外说明"),
    ("utilisation", "Utilisation", "额度使用率"),
    ("last_review", "Last review", "最近复盘"),
    ("churn_risk", "Churn risk", "流失风险"),
    ("findings", "Findings", "检查发现"),
    ("scorecard", "Tier scorecard", "分级评分卡"),
    ("dimension", "Dimension", "维度"),
    ("weight", "Weight", "权重"),
    ("contribution", "Contribution", "贡献"),
    ("inverted", "inverted", "反向"),
    ("credit", "Credit", "信用"),
    ("limit", "Limit", "额度"),
    ("outstanding", "Outstanding", "未结余额"),
    ("overdue", "Overdue", "逾期"),
    ("aging", "Aging", "账龄"),
    ("terms", "Payment terms", "付款条件"),
    ("days", "days", "天"),
    ("rating", "Rating", "信用评级"),
    ("prepayment", "Prepayment", "预付比例"),
    ("dso", "DSO", "应收周转天数"),
    ("approved", "Approved", "审批"),
    ("next_due", "Next review due", "下次复核"),
    ("hold", "Credit hold", "信用冻结"),
    (
        "cash_customer",
        "Cash customer (no credit)",
        "现款客户（无信用额度）",
    ),
    ("relationship", "Relationship", "客户关系"),
    ("level", "Level", "层级"),
    ("competitors", "Competitors", "竞争对手"),
    ("criteria", "Purchase criteria", "采购标准"),
    ("fit", "Who meets it", "满足方"),
    ("contacts", "Contacts", "联系人"),
    ("contact_map", "Contact map", "关系图"),
    ("gaps", "Coverage gaps", "覆盖缺口"),
    ("title", "Title", "职务"),
    ("roles", "Roles", "角色"),
    ("stance", "Stance", "态度"),
    ("strength", "Strength", "关系强度"),
    ("last_contact", "Last contact", "最近联系"),
    ("our_contact", "Our contact", "我方对接人"),
    ("private", "Private", "私密"),
    ("plan", "Account plan", "客户计划"),
    ("period", "Period", "周期"),
    ("updated", "Updated", "更新"),
    ("objectives", "Objectives", "目标"),
    ("actions", "Actions", "行动项"),
    ("what", "What", "事项"),
    ("due", "Due", "截止"),
    ("contents", "Contents", "目录"),
    ("reviews", "Review notes", "复盘纪要"),
    ("review", "Review", "复盘"),
    ("kind", "Kind", "类型"),
    ("health", "Health", "健康度"),
    ("date", "Date", "日期"),
    ("reviewers", "Reviewers", "评审人"),
    ("attendees", "Attendees", "客户参会人"),
    ("decisions", "Decisions", "决定"),
    ("summary", "Summary", "摘要"),
    ("next_review", "Next review", "下次复盘"),
    ("revenue", "Revenue", "收入"),
    ("last_fy", "Last FY", "上财年"),
    ("target_fy", "Target FY", "本财年目标"),
    ("share_of_wallet", "Share of wallet", "钱包份额"),
    ("complaints", "Complaints", "投诉"),
    ("severity", "Severity", "严重度"),
    ("opened", "Opened", "开启"),
    ("closed", "Closed", "关闭"),
    ("resolution", "Resolution", "处理结果"),
    ("tags", "Tags", "标签"),
    ("customer_since", "Customer since", "合作始于"),
    ("sales_units", "Sales units", "销售单元"),
    ("primary_interface", "Primary interface", "主对接单元"),
    ("exposure", "Credit exposure", "信用敞口"),
    ("currency", "Currency", "币种"),
    ("above_warning", "Above warning", "超过预警"),
    ("attention", "Needs attention", "需要关注"),
    ("reviews_overdue", "Reviews overdue", "复盘逾期"),
    ("credit_reviews_due", "Credit reviews due", "信用复核到期"),
    (
        "tier_mismatches",
        "Declared ≠ computed tier",
        "申报级别 ≠ 计算级别",
    ),
    ("over_limit", "Over limit", "超额度"),
    ("high_churn", "High churn risk", "高流失风险"),
    ("actions_overdue", "Open actions past due", "逾期行动项"),
    ("latest_reviews", "Latest review notes", "最新复盘纪要"),
    ("per_tier", "Accounts per tier", "各级别客户数"),
    ("per_status", "Accounts per status", "各状态客户数"),
    ("all", "All", "全部"),
    ("none", "None", "无"),
    ("filter", "Filter", "筛选"),
    (
        "no_js_note",
        "Sort and filter need JavaScript; the table is complete without it.",
        "排序和筛选需要 JavaScript；没有它表格也是完整的。",
    ),
    ("not_found", "Page not found", "页面不存在"),
    (
        "not_found_text",
        "The page you asked for does not exist. It may have been renamed.",
        "您访问的页面不存在，可能已被重命名。",
    ),
    ("back_home", "Back to the dashboard", "返回总览"),
    ("generated_by", "Built by dossier", "由 dossier 生成"),
    ("as_of", "as of", "截至"),
    ("data_export", "Data export", "数据导出"),
    ("feed", "Review feed", "复盘订阅"),
    ("warnings", "warnings", "警告"),
    ("errors", "errors", "错误"),
    (
        "no_findings",
        "No findings: the data passes every check.",
        "无检查发现：数据通过全部检查。",
    ),
    (
        "redacted",
        "Credit figures are redacted in this build.",
        "本版本已隐去信用数据。",
    ),
    ("results", "Results", "结果"),
    ("type", "Type", "类型"),
    ("count", "Accounts", "客户数"),
    ("unknown", "unknown", "未知"),
    ("view_account", "Open account", "打开客户"),
    ("in_tier", "Accounts in tier", "该级别客户"),
    ("owned_by", "Accounts owned by", "负责的客户"),
    ("history", "Tier and credit history", "级别与信用变更"),
    ("last_changed", "Last changed", "最后修改"),
    ("by", "by", "修改人"),
    ("uncommitted", "uncommitted changes", "有未提交的修改"),
    (
        "recent_changes",
        "Changed in the last 30 days",
        "近 30 天的变更",
    ),
    ("change_tier", "tier", "级别"),
    ("change_limit", "credit limit", "信用额度"),
    ("change_new_account", "new account", "新客户"),
    ("change_new_review", "new review note", "新复盘纪要"),
    (
        "check_failed",
        "The last edit broke the check",
        "最近的修改未通过检查",
    ),
];

/// Label map for a language ("zh" or anything else → English).
pub fn labels(lang: &str) -> BTreeMap<&'static str, &'static str> {
    LABELS
        .iter()
        .map(|(k, en, zh)| (*k, if lang == "zh" { *zh } else { *en }))
        .collect()
}

/// Enum values (status, stance, health, …) shown to people.
pub fn value_label(lang: &str, v: &str) -> String {
    let zh = lang == "zh";
    let s = match v {
        "active" => {
            if zh {
                "活跃"
            } else {
                "Active"
            }
        }
        "prospect" => {
            if zh {
                "潜在"
            } else {
                "Prospect"
            }
        }
        "at_risk" => {
            if zh {
                "有风险"
            } else {
                "At risk"
            }
        }
        "churned" => {
            if zh {
                "已流失"
            } else {
                "Churned"
            }
        }
        "high" => {
            if zh {
                "高"
            } else {
                "High"
            }
        }
        "medium" => {
            if zh {
                "中"
            } else {
                "Medium"
            }
        }
        "low" => {
            if zh {
                "低"
            } else {
                "Low"
            }
        }
        "unknown" => {
            if zh {
                "未知"
            } else {
                "Unknown"
            }
        }
        "green" => {
            if zh {
                "良好"
            } else {
                "Green"
            }
        }
        "amber" => {
            if zh {
                "关注"
            } else {
                "Amber"
            }
        }
        "red" => {
            if zh {
                "危险"
            } else {
                "Red"
            }
        }
        "open" => {
            if zh {
                "进行中"
            } else {
                "Open"
            }
        }
        "done" => {
            if zh {
                "完成"
            } else {
                "Done"
            }
        }
        "dropped" => {
            if zh {
                "放弃"
            } else {
                "Dropped"
            }
        }
        "not_started" => {
            if zh {
                "未开始"
            } else {
                "Not started"
            }
        }
        "in_progress" => {
            if zh {
                "进行中"
            } else {
                "In progress"
            }
        }
        "us_only" => {
            if zh {
                "仅我方"
            } else {
                "Us only"
            }
        }
        "both" => {
            if zh {
                "双方"
            } else {
                "Both"
            }
        }
        "competitor_only" => {
            if zh {
                "仅竞争对手"
            } else {
                "Competitor only"
            }
        }
        "quarterly" => {
            if zh {
                "季度复盘"
            } else {
                "Quarterly"
            }
        }
        "annual_summit" => {
            if zh {
                "年度高层会"
            } else {
                "Annual summit"
            }
        }
        "credit" => {
            if zh {
                "信用复核"
            } else {
                "Credit"
            }
        }
        "win_loss" => {
            if zh {
                "赢单/丢单分析"
            } else {
                "Win/loss"
            }
        }
        "escalation" => {
            if zh {
                "升级处理"
            } else {
                "Escalation"
            }
        }
        "visit" => {
            if zh {
                "拜访"
            } else {
                "Visit"
            }
        }
        other => return other.replace('_', " "),
    };
    s.to_string()
}
