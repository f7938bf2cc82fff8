//! The guideline's roles under a document's own names.
//!
//! Real policies set up their roles in many ways: a heading 「（最高情報セキュリティ責任者）」 over
//! 「第4条 情報統括責任者は、副町長をもって充てる。」, one article that 「…を置く」 a list of
//! roles, 「副市長を最高情報統括責任者とする」, a 定義 item 「情報管理者 各課の長をいう」, and
//! abbreviations 「（以下「統括責任者」という。）」. The same name means different roles in
//! different bodies (「統括責任者」 is the CISO in one and the 統括 in another), so a name is read
//! together with the post that fills it: a 副市長 is the CISO whatever the role is called, a 部長
//! the 情報セキュリティ責任者, a 課長 the 情報セキュリティ管理者.

use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// A guideline role a document's name can stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Ciso,
    Advisor,
    Chief,
    Officer,
    Manager,
    SystemManager,
    Operator,
    Committee,
    AuditChief,
    Csirt,
}

impl Target {
    /// The guideline's name of the role.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ciso => "最高情報セキュリティ責任者",
            Self::Advisor => "最高情報セキュリティアドバイザー",
            Self::Chief => "統括情報セキュリティ責任者",
            Self::Officer => "情報セキュリティ責任者",
            Self::Manager => "情報セキュリティ管理者",
            Self::SystemManager => "情報システム管理者",
            Self::Operator => "情報システム担当者",
            Self::Committee => "情報セキュリティ委員会",
            Self::AuditChief => "情報セキュリティ監査統括責任者",
            Self::Csirt => "CSIRT",
        }
    }

    const ALL: [Target; 10] = [
        Self::Ciso,
        Self::Advisor,
        Self::Chief,
        Self::Officer,
        Self::Manager,
        Self::SystemManager,
        Self::Operator,
        Self::Committee,
        Self::AuditChief,
        Self::Csirt,
    ];
}

/// The role a clause of the guideline sets up, by its title: 「情報セキュリティ管理者の設置」,
/// 「最高情報セキュリティ責任者（CISO）」, 「情報システム担当者」, 「CSIRTの整備」.
pub fn designated_by(title: &str) -> Option<Target> {
    let title: String = title.nfkc().collect();
    Target::ALL.into_iter().find(|t| {
        title.strip_prefix(t.name()).is_some_and(|rest| {
            rest.is_empty()
                || rest.starts_with("の設置")
                || rest.starts_with("の整備")
                || rest.starts_with('(')
        })
    })
}

/// How a role's name ends.
const SUFFIXES: &[&str] = &[
    "責任者",
    "管理者",
    "担当者",
    "委員会",
    "会議",
    "本部",
    "チーム",
    "CSIRT",
    "アドバイザー",
    "補佐官",
    "統括者",
];

fn is_name_char(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}' | '\u{3005}' | '\u{30A0}'..='\u{30FF}' | 'A'..='Z' | 'a'..='z')
}

/// Names of roles in a sentence: a run of kanji, katakana and Latin letters ending in a role
/// suffix, without a leading 「第N条」 or the body's name.
fn names_in(sentence: &str) -> Vec<(usize, String)> {
    let chars: Vec<(usize, char)> = sentence.char_indices().collect();
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, _) = chars[i];
        let Some(suffix) = SUFFIXES.iter().find(|s| sentence[at..].starts_with(*s)) else {
            i += 1;
            continue;
        };
        let end = at + suffix.len();
        let mut start = i;
        while start > 0 && is_name_char(chars[start - 1].1) {
            start -= 1;
        }
        let name = strip_prefix(&sentence[chars[start].0..end]);
        // A longer suffix inside the same run (「…責任者会議」) wins.
        i = chars
            .iter()
            .position(|(b, _)| *b >= end)
            .unwrap_or(chars.len());
        if let Some(last) = out.last()
            && last.0 == chars[start].0
        {
            out.pop();
        }
        if name.chars().count() >= 3 && name.chars().count() <= 24 {
            out.push((chars[start].0, name));
        }
    }
    out
}

/// Drops 「第4条」 and a body's name such as 「米原市」「筑後市」 from the front of a name.
fn strip_prefix(name: &str) -> String {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"^(第[0-9一二三四五六七八九十]+条(の[0-9]+)?)?([\p{Han}]{1,4}(市|町|村|県|都|府|区|組合|連合))?",
        )
        .ok()
    });
    let Some(re) = re.as_ref() else {
        return name.to_owned();
    };
    let rest = re.replace(name, "").into_owned();
    if rest.chars().count() >= 3 && !rest.starts_with(['長', '議']) {
        rest
    } else {
        name.to_owned()
    }
}

/// Whether a text can be a name at all: kanji, katakana and Latin letters only (「所属長」, not
/// 「行うもの」).
pub fn is_name(text: &str) -> bool {
    let text: String = text.nfkc().collect();
    !text.is_empty() && text.chars().all(is_name_char)
}

/// The level a post says: 副市長 → CISO, 部長 → 責任者, 課長 → 管理者.
fn level_of_post(post: &str) -> Option<Target> {
    const DEPUTY: &[&str] = &[
        "副市長",
        "副町長",
        "副村長",
        "副知事",
        "副区長",
        "副管理者",
        "副組合長",
        "副広域連合長",
        "副長",
    ];
    if DEPUTY.iter().any(|d| post.contains(d)) {
        return Some(Target::Ciso);
    }
    if [
        "課長",
        "室長",
        "所属長",
        "課等の長",
        "課の長",
        "課室",
        "係長",
    ]
    .iter()
    .any(|d| post.contains(d))
    {
        return Some(Target::Manager);
    }
    if ["部長", "局長", "次長", "部の長", "部局", "部等の長", "理事"]
        .iter()
        .any(|d| post.contains(d))
    {
        return Some(Target::Officer);
    }
    None
}

/// What a name alone says.
fn target_of_name(name: &str) -> Option<Target> {
    let n = name;
    if let Some(t) = Target::ALL.iter().find(|t| t.name() == n) {
        return Some(*t);
    }
    if n.contains("CSIRT") && n.ends_with("者") {
        // The CSIRT's head or members, not the team.
        return None;
    }
    if n.contains("CSIRT") || (n.contains("インシデント") && (n.ends_with("チーム"))) {
        return Some(Target::Csirt);
    }
    if n.contains("アドバイザー") || n.contains("補佐官") {
        return Some(Target::Advisor);
    }
    if n.contains("監査") {
        return Some(Target::AuditChief);
    }
    if n.ends_with("委員会") || n.ends_with("会議") || n.ends_with("本部") {
        return (n.contains("情報") || n.contains("セキュリティ")).then_some(Target::Committee);
    }
    if n.ends_with("担当者") {
        return (n.contains("システム") || n.contains("情報")).then_some(Target::Operator);
    }
    if n.contains("最高") {
        return Some(Target::Ciso);
    }
    if n.contains("副統括") {
        return Some(Target::Chief);
    }
    if n.contains("統括") || n.contains("総括") {
        // The CISO or the 統括: the post decides; alone, the first of two is the higher.
        return Some(Target::Chief);
    }
    if n.ends_with("管理者") && n.contains("システム") {
        return Some(Target::SystemManager);
    }
    if n.ends_with("管理者") {
        return (n.contains("情報") || n.contains("セキュリティ")).then_some(Target::Manager);
    }
    if n.ends_with("責任者") {
        return (n.contains("情報") || n.contains("セキュリティ")).then_some(Target::Officer);
    }
    None
}

#[derive(Debug, Clone, Default)]
struct Candidate {
    /// Where it was first defined, for the order.
    first: usize,
    /// The text (provision) that defined it first.
    at: usize,
    post: Option<String>,
    alias_of: Option<String>,
}

/// The sentences of a line: cut at 「。」 outside brackets, so that 「（以下「…」という。）」
/// stays in its sentence.
fn sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in line.char_indices() {
        match c {
            '(' | '（' | '「' => depth += 1,
            ')' | '）' | '」' => depth = (depth - 1).max(0),
            '。' if depth == 0 => {
                out.push(&line[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if start < line.len() {
        out.push(&line[start..]);
    }
    out
}

/// The sentence without bracketed insertions.
fn without_brackets(sentence: &str) -> String {
    let mut out = String::with_capacity(sentence.len());
    let mut depth = 0i32;
    for c in sentence.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth = (depth - 1).max(0),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn re(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(pattern).ok()).as_ref()
}

/// The roles the document defines, as (document name, guideline name), longest name first.
pub fn detect(texts: &[String]) -> Vec<(String, String)> {
    pairs(&definitions(texts))
}

/// A role the document sets up: its name there, the guideline's role, the text (provision) that
/// sets it up, and the shorter names it goes by after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defined {
    pub document: String,
    pub target: Target,
    pub at: usize,
    pub aliases: Vec<String>,
}

/// The document's names that differ from the guideline's, with the guideline's name, longest
/// first.
pub fn pairs(defined: &[Defined]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = defined
        .iter()
        .flat_map(|d| {
            std::iter::once(&d.document)
                .chain(&d.aliases)
                .map(|n| (n.clone(), d.target.name().to_owned()))
        })
        // The guideline's own abbreviation is not another name.
        .filter(|(d, g)| d != g && !(g == Target::Ciso.name() && d.eq_ignore_ascii_case("CISO")))
        .collect();
    longest_first(&mut out);
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// Orders (document name, guideline name) pairs as [`replace`] needs them: the longest document
/// name first, so that a name inside a longer one is not replaced in it.
pub fn longest_first(pairs: &mut [(String, String)]) {
    pairs.sort_by(|a, b| {
        b.0.chars()
            .count()
            .cmp(&a.0.chars().count())
            .then(a.0.cmp(&b.0))
    });
}

/// The roles the document sets up (see the module's description).
pub fn definitions(texts: &[String]) -> Vec<Defined> {
    static FILLED: OnceLock<Option<Regex>> = OnceLock::new();
    static MADE: OnceLock<Option<Regex>> = OnceLock::new();
    static ALIAS: OnceLock<Option<Regex>> = OnceLock::new();
    static HEADING: OnceLock<Option<Regex>> = OnceLock::new();
    let filled = re(
        &FILLED,
        r"(?P<who>[^、,。\s]{2,30}?)(は|には)[、,]?(?P<post>[^。]{1,60}?)(の職にある者)?を(もって)?(これに)?充て",
    );
    let made = re(
        &MADE,
        r"(?P<post>[^、。を]{1,40})を(?P<who>[^、。を]{2,30}?)(とする|とし)",
    );
    let alias = re(&ALIAS, r"以下「(?P<alias>[^」]{2,20})」という");
    let heading = re(&HEADING, r"^[(（](?P<who>[^()（）]{3,24})[)）]$");
    let mut found: HashMap<String, Candidate> = HashMap::new();
    let mut order = 0usize;
    let mut define =
        |found: &mut HashMap<String, Candidate>, name: String, post: Option<String>, at: usize| {
            order += 1;
            let c = found.entry(name).or_insert_with(|| Candidate {
                first: order,
                at,
                ..Candidate::default()
            });
            if c.post.is_none() && post.is_some() {
                // The provision that says who fills the role is its definition.
                c.post = post;
                c.at = at;
            }
        };
    for (at_text, text) in texts.iter().enumerate() {
        // NFKC keeping spaces, lines and case: a name ends where a space or a line does.
        let t: String = text.nfkc().collect();
        for line in t.lines() {
            let line = line.trim();
            if let Some(h) = heading.and_then(|r| r.captures(line))
                && let Some(w) = h.name("who")
                && let Some((_, name)) = names_in(w.as_str()).pop()
                && target_of_name(&name).is_some()
            {
                define(&mut found, name, None, at_text);
            }
            for sentence in sentences(line) {
                let whole = sentence;
                // Designations are read without what brackets add (「（以下「…」という。）」).
                let plain = without_brackets(sentence);
                let sentence = plain.as_str();
                // The post this sentence fills a role with, for an abbreviation standing alone.
                let mut filled_with: Option<String> = None;
                if let Some(r) = filled {
                    for c in r.captures_iter(sentence) {
                        let (Some(who), Some(post)) = (c.name("who"), c.name("post")) else {
                            continue;
                        };
                        filled_with = Some(post.as_str().to_owned());
                        if let Some((_, name)) = names_in(who.as_str()).pop()
                            && target_of_name(&name).is_some()
                        {
                            define(&mut found, name, Some(post.as_str().to_owned()), at_text);
                        }
                    }
                }
                if let Some(r) = made {
                    for c in r.captures_iter(sentence) {
                        let (Some(who), Some(post)) = (c.name("who"), c.name("post")) else {
                            continue;
                        };
                        let who = who.as_str().trim();
                        let names = names_in(who);
                        if let Some((0, name)) = names.first().cloned()
                            && who.starts_with(name.as_str())
                            && who[name.len()..]
                                .trim_start()
                                .chars()
                                .next()
                                .is_none_or(|c| matches!(c, '(' | '（'))
                        {
                            define(&mut found, name, Some(post.as_str().to_owned()), at_text);
                        }
                    }
                }
                // 「本市に、A、B及びCを置く」: the names listed right before the verb.
                for verb in ["を置く", "を置き", "を設置", "を設け"] {
                    let Some(v) = sentence.find(verb) else {
                        continue;
                    };
                    let head = &sentence[..v];
                    let names = names_in(head);
                    if names
                        .last()
                        .is_none_or(|(_, n)| !head.ends_with(n.as_str()))
                    {
                        continue;
                    }
                    // The list is what follows the subject or the place: 「…は、」「…に、」.
                    let from = ["は、", "は,", "に、", "に,"]
                        .iter()
                        .filter_map(|m| head.rfind(m).map(|i| i + m.len()))
                        .max()
                        .unwrap_or(0);
                    for (at, name) in names {
                        if at >= from && target_of_name(&name).is_some() {
                            define(&mut found, name, None, at_text);
                        }
                    }
                }
                // A 定義 item: 「(3) 情報管理者 各課の長をいう」, 「(6) 統括情報システム管理者 …課長を
                // もって充てる」: the role's name, a space, what it is.
                if let Some((pos, name)) = names_in(sentence).first().cloned()
                    && pos <= 8
                    && sentence[pos + name.len()..].starts_with([' ', '\u{3000}', '\t'])
                    && !sentence[pos + name.len()..]
                        .trim_start()
                        .starts_with(['は', 'が', 'の', 'を', 'に', 'と', 'も', 'へ', '及', '又'])
                    && target_of_name(&name).is_some()
                {
                    let post = sentence[pos + name.len()..]
                        .trim()
                        .trim_end_matches("をいう")
                        .to_owned();
                    define(&mut found, name, Some(post), at_text);
                }
                if let Some(r) = alias {
                    for c in r.captures_iter(whole) {
                        let Some(a) = c.name("alias") else { continue };
                        let before = &whole[..c.get(0).map_or(0, |m| m.start())];
                        match names_in(before).pop() {
                            Some((_, full))
                                if a.as_str() != full && target_of_name(&full).is_some() =>
                            {
                                let e = found.entry(a.as_str().to_owned()).or_default();
                                e.alias_of = Some(full);
                            }
                            // 「…を統括する責任者(以下「統括責任者」という。)は、政策部長をもって
                            // 充てる」: the abbreviation is the role's only name.
                            _ if target_of_name(a.as_str()).is_some() => {
                                define(
                                    &mut found,
                                    a.as_str().to_owned(),
                                    filled_with.clone(),
                                    at_text,
                                );
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    assign(&found)
}

/// Maps each defined name to one guideline role: the post first, then the name; two names for
/// one role keep the better evidence (a post over a name, then the earlier).
fn assign(found: &HashMap<String, Candidate>) -> Vec<Defined> {
    let mut by_target: HashMap<Target, (u8, usize, String)> = HashMap::new();
    let mut names: Vec<&String> = found
        .iter()
        .filter(|(_, c)| c.alias_of.is_none())
        .map(|(n, _)| n)
        .collect();
    names.sort_by_key(|n| found[*n].first);
    // Whether the document has a role named as the CISO outright (最高…).
    let has_top = names.iter().any(|n| n.contains("最高"));
    for name in names {
        let c = &found[name];
        let Some(by_name) = target_of_name(name) else {
            continue;
        };
        let by_post = c.post.as_deref().and_then(level_of_post);
        let exact = Target::ALL.iter().any(|t| t.name() == name.as_str());
        let (target, strength) = match (by_name, by_post) {
            // Committees, teams, advisers and 担当者 are what they are called.
            (
                Target::Committee
                | Target::Csirt
                | Target::Advisor
                | Target::Operator
                | Target::AuditChief,
                _,
            ) => (by_name, 2),
            (_, Some(Target::Ciso)) if !name.contains("副") => (Target::Ciso, 3),
            (Target::Chief, _) if !has_top && !name.contains("副") && by_post.is_none() => {
                // 「統括責任者」 as the only top role: the first one named is the CISO.
                if by_target.contains_key(&Target::Ciso) {
                    (Target::Chief, 1)
                } else {
                    (Target::Ciso, 1)
                }
            }
            (Target::Chief, _) => (Target::Chief, 2),
            (Target::SystemManager, _) => (Target::SystemManager, 2),
            (_, _) if exact => (by_name, 2),
            (_, Some(level)) => (level, 2),
            (_, None) => (by_name, 1),
        };
        let better = match by_target.get(&target) {
            None => true,
            Some((s, _, _)) => strength > *s,
        };
        if better {
            by_target.insert(target, (strength, c.first, name.clone()));
        }
    }
    let mut out: Vec<Defined> = by_target
        .iter()
        .map(|(t, (_, _, n))| Defined {
            document: n.clone(),
            target: *t,
            at: found[n].at,
            aliases: found
                .iter()
                .filter(|(_, c)| c.alias_of.as_ref() == Some(n))
                .map(|(a, _)| a.clone())
                .collect(),
        })
        .collect();
    out.sort_by_key(|d| found[&d.document].first);
    out
}

/// Replaces the document's names with the guideline's in one pass, longest first, so that a
/// name the guideline uses for another role (情報セキュリティ管理者 for its 責任者) is not
/// replaced twice.
pub fn replace(text: &str, roles: &[(String, String)]) -> String {
    if roles.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (d, g) in roles {
            if rest.starts_with(d.as_str()) {
                out.push_str(g);
                rest = &rest[d.len()..];
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The form the 例文 use for a role in the analyzer's folded text (NFKC, lower case): the CISO
/// is 「CISO」 after its definition, the others go by their names.
pub fn folded_name(guideline: &str) -> String {
    if guideline == Target::Ciso.name() {
        "ciso".to_owned()
    } else {
        crate::text::nfkc(guideline)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn roles(text: &str) -> Vec<(String, String)> {
        detect(&[text.to_owned()])
    }

    #[test]
    fn a_role_filled_by_a_deputy_is_the_ciso_whatever_it_is_called() {
        let r = roles("(情報統括責任者)\n第2条 情報統括責任者は、副町長をもって充てる。");
        assert_eq!(
            r,
            vec![(
                "情報統括責任者".to_owned(),
                "最高情報セキュリティ責任者".to_owned()
            )]
        );
    }

    #[test]
    fn a_list_of_roles_set_up_in_one_article_is_read_with_their_posts() {
        let r = roles(
            "第3条 本市に、情報セキュリティ統括責任者、情報セキュリティ副統括責任者、情報管理者及び情報セキュリティ会議を置く。\n第4条 情報セキュリティ統括責任者は、副市長をもって充てる。\n第5条 情報管理者は、課長をもって充てる。",
        );
        let map: HashMap<&str, &str> = r.iter().map(|(d, g)| (d.as_str(), g.as_str())).collect();
        assert_eq!(
            map["情報セキュリティ統括責任者"],
            "最高情報セキュリティ責任者"
        );
        assert_eq!(
            map["情報セキュリティ副統括責任者"],
            "統括情報セキュリティ責任者"
        );
        assert_eq!(map["情報管理者"], "情報セキュリティ管理者");
        assert_eq!(map["情報セキュリティ会議"], "情報セキュリティ委員会");
    }

    #[test]
    fn an_abbreviation_stands_for_the_role_it_shortens() {
        let r =
            roles("第2条 副市長を情報セキュリティ最高責任者(以下「最高責任者」という。)とする。");
        let map: HashMap<&str, &str> = r.iter().map(|(d, g)| (d.as_str(), g.as_str())).collect();
        assert_eq!(
            map["情報セキュリティ最高責任者"],
            "最高情報セキュリティ責任者"
        );
        assert_eq!(map["最高責任者"], "最高情報セキュリティ責任者");
    }

    #[test]
    fn names_are_replaced_once_longest_first() {
        let roles = vec![
            (
                "情報セキュリティ管理者".to_owned(),
                "情報セキュリティ責任者".to_owned(),
            ),
            (
                "情報システム管理者".to_owned(),
                "情報セキュリティ管理者".to_owned(),
            ),
        ];
        assert_eq!(
            replace("情報セキュリティ管理者と情報システム管理者", &roles),
            "情報セキュリティ責任者と情報セキュリティ管理者"
        );
    }
}
