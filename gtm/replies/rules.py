"""The rule layer of reply classification: autoresponder headers, and intents in the extracted
reply text (EN + RU), combined by precedence.

Precedence, from the issue and from what a salesperson does with a reply: a request to stop wins
over everything; an absence notice with no intent of its own is out-of-office; pointing to
someone else is a referral; any request for information (even after a "no") is an info request;
an explicit wish to meet is positive; a refusal is negative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from gtm.replies.parse import header_text


def _rx(*parts: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE | re.MULTILINE)


UNSUBSCRIBE = _rx(
    r"\bunsubscribe", r"\bremove (?:me|us|my (?:e-?mail|address|details|name))\b",
    r"\btake (?:me|us) off\b", r"\bopt(?:-| )?out\b", r"^\s*remove\s*[.!]*\s*$",
    r"\bstop (?:e-?mailing|sending|contacting|writing|spamming)\b",
    r"\b(?:do not|don'?t|never) (?:e-?mail|contact|write to|message|send me)\b",
    r"\bno (?:more|further) (?:e-?mails|messages|contact)\b", r"\bdo not want any (?:further|more)",
    r"\bdelete my (?:personal )?(?:data|details|e-?mail|address|information)",
    r"\bgdpr\b", r"how did you get my (?:e-?mail|address|contact)", r"\bunsolicited\b",
    r"отпиш", r"отписат", r"удалите (?:меня|мой|мои|наш)", r"исключите (?:меня|мой|наш)",
    r"не пишите", r"больше не (?:пиш|присыл|направл|отправл|беспоко)", r"не присылайте",
    r"исключить (?:наш|мой|меня)", r"из (?:ваших |вашей )?(?:рассыл|баз)",
    r"прекратите (?:присылать|писать|рассылку|слать|отправлять)",
    r"не (?:направляйте|отправляйте|беспокойте)", r"откуда у вас (?:мой|наш)", r"\bспам\b",
    r"роскомнадзор", r"удалить (?:меня|мой адрес) из",
)
OUT_OF_OFFICE = _rx(
    r"\bout of (?:the )?office\b", r"\bOOO\b",
    r"\bon (?:annual |parental |maternity |paternity |medical |sick |study )?leave\b",
    r"\bon (?:vacation|holiday|holidays|sabbatical)\b", r"\boffline for\b",
    r"\baway (?:from (?:the office|my desk)|until|till|at|on business)\b",
    r"\b(?:i am|i'm) (?:currently )?(?:away|travelling|traveling|offline|taking some time off)",
    r"limited access to (?:my )?e-?mail", r"no access to e-?mail", r"intermittent access",
    r"\bwill (?:be back|return|respond when|reply when|get back to you when)",
    r"\bback in the office\b", r"\breturning (?:on|to the office)\b", r"\bautomatic reply\b",
    r"this mailbox is (?:not|no longer) monitored", r"\bwhen I(?:'m| am) back\b",
    r"в отпуске", r"в декрет", r"вне офиса", r"отсутству", r"в командировке", r"на больничном",
    r"в отъезде", r"ограниченн\w* доступ", r"автоматическ\w* ответ", r"по (?:моему )?возвращени",
    r"буду на связи (?:с|после)", r"отвечу (?:после|по возвращении|позже)",
)
LEFT_COMPANY = _rx(
    r"\bno longer (?:work|with|at|employed)", r"\b(?:i have|i've) left\b", r"\bi left\b",
    r"\bmy replacement\b", r"\bmoved to a different role\b", r"\bno longer (?:in|responsible)",
    r"больше не работаю", r"уволил", r"не работаю в (?:компании|этом направлении)",
)
REFERRAL_STRONG = _rx(
    r"\bnot the (?:right|best|correct) (?:person|contact)", r"\b(?:the )?(?:right|best) person\b",
    r"\b(?:reach out|talk|speak|get in touch) (?:to|with)\b",
    r"\bplease (?:contact|email|e-mail) (?!me\b|us\b)",
    r"\b(?:contact|email|e-mail|try) (?:my|our) (?:colleague|partner|team|head|cto|coo|ceo|cfo)",
    r"\bforward(?:ed|ing)? (?:this|your (?:e-?mail|note|message)) to\b",
    r"\bpassed (?:your (?:note|email|message)|this|it) (?:on )?to\b",
    r"\bforwarding (?:this|your) (?:e-?mail|note|message)? ?to\b", r"\bthe one to (?:speak|talk)",
    r"\bperson (?:now )?responsible\b", r"\b(?:would be )?handled by\b", r"\bgo(?:es)? through\b",
    r"\b(?:she|he|they) (?:handles|runs|owns|manages|deals with)\b", r"\bin charge of\b",
    r"\bmy (?:replacement|successor)\b", r"\breplacement is\b", r"\bi don'?t handle\b",
    r"\b(?:handles|owns|deals with) (?:this|that|all|sales|our)\b", r"\btry (?:\S+@\S+)",
    r"обратитесь к", r"свяжитесь с", r"связаться с", r"напишите (?:ему|ей|нашему|нашей|в отдел)",
    r"переслал", r"(?:добавил|поставил)\w* в копию", r"занимается", r"курирует", r"отвечает за",
    r"не ко мне", r"\bвам к\b", r"адресовать (?:предложение|письмо)? ?(?:ему|ей)",
    r"не принимаю решени", r"лучше (?:связаться|написать|обратиться)",
)
REFERRAL_WEAK = _rx(r"\bcc'?(?:ing|d)\b", r"\bcopying (?:him|her|them)\b", r"\bcopied\b",
                    r"\blooping in\b", r"\bcolleague\b", r"в копии", r"коллег")
INFO_REQUEST = _rx(
    r"\bhow much\b", r"\bpric(?:e|es|ing)\b", r"\bcosts?\b", r"\bquote\b",
    r"\bsend (?:me |us |over )?(?:some |more |a |your )?(?:info|information|details|deck|"
    r"one-?pager|materials|case stud|examples|brochure|price|pricing|proposal|video|overview)",
    r"\bmore (?:info|information|details)\b", r"\bcase stud", r"\breferences?\b",
    r"\bdo you (?:have|offer|support|integrate|work with)\b",
    r"\bdoes it (?:integrate|support|work)",
    r"\bis (?:it|this|there) (?:a |an )?(?:free trial|trial|hipaa|gdpr|compliant|integration)",
    r"\bfree trial\b", r"\bwhat(?:'s| is| are| kind| exactly)\b", r"\bhow (?:does|do|long|many)\b",
    r"\bwho are your\b", r"\bwhere is (?:the )?data",
    r"\b(?:can|could) you (?:share|send|tell|explain)",
    r"\bminimum contract\b", r"\bdiscounts?\b", r"\bsample\b", r"\bcurious about\b",
    r"сколько (?:стоит|стоят|будет)", r"стоимост", r"\bцен[аыуе]", r"прайс", r"тариф",
    r"коммерческое предложение", r"\bкп\b", r"пришлите", r"направьте", r"скиньте", r"расскажите",
    r"подскажите", r"как это работает", r"есть ли", r"можно ли", r"чем вы отличаетесь", r"кейс",
    r"пример", r"материал", r"презентац", r"интеграц", r"где хранятся",
)
QUESTION = re.compile(r"\?")
POSITIVE_STRONG = _rx(
    r"(?<!not )(?<!n't )(?<!no )\binterested\b", r"\bsounds (?:interesting|useful|relevant|great)",
    r"\blet'?s (?:talk|chat|connect|do it|set up|schedule|meet|discuss|do)\b",
    r"\bhappy to (?:chat|talk|connect|meet|discuss|jump)",
    r"\bopen to (?:a )?(?:call|conversation|chat)",
    r"\bworth a (?:call|conversation|chat|look)", r"\bbook (?:a|some) (?:call|time|meeting|slot)",
    r"\bset up (?:a |some )?(?:call|meeting|time|\d+ ?min|a demo)",
    r"\b(?:send|grab) (?:me |us )?(?:an |a )?"
    r"(?:calendar )?(?:invite|calendar link|time)\b", r"\bcalendar link\b", r"calendly|cal\.com",
    r"\bare you free\b", r"\bi'?m free\b", r"\bworks for me\b", r"\bdoes .{0,40} (?:work|suit)\b",
    r"\bhow about (?:mon|tue|wed|thu|fri|next|tomorrow|\d)", r"\bdemo\b", r"\btrial it\b",
    r"\bi'?m in\b", r"\bcount me in\b", r"\bcall me\b",
    r"\b(?:quick )?call (?:tomorrow|on|this|next)",
    r"\bcan (?:we|do) (?:a )?(?:quick )?(?:call|talk|chat)", r"\bgood timing\b", r"\btimely\b",
    r"\bon our roadmap\b", r"\blooking for something like this\b", r"\bwilling to take a look",
    r"\bmeeting with me\b", r"\bput (?:some )?time\b", r"\bget started\b",
    r"(?<!не )(?<!не)интересн(?:о|ует|ое)", r"(?<!не )(?<!не)актуальн(?:о|а|ая)(?! ли)",
    r"давайте", r"давай\b", r"готов\w* (?:обсудить|созвониться|встретиться|к звонку)", r"созвон",
    r"встреч", r"демо", r"наберите", r"звоните", r"ссылку на календарь", r"пилот", r"попробуем",
    r"в тему", r"ищем решение", r"искали", r"согласен", r"посмотрел бы",
)
POSITIVE_WEAK = _rx(r"^\s*(?:yes|yep|sure|ok|okay|sounds good|да|ок|хорошо)\b", r"\bwhy not\b",
                    r"\bsounds good\b", r"\bcould be relevant\b", r"\bthis could\b",
                    r"удобно", r"подойдет", r"норм\b")
NEGATIVE = _rx(
    r"\bnot interested\b", r"\bno interest\b", r"\bno,? thanks?\b", r"\bno thank you\b",
    r"\bnot (?:a|the right|a good) fit\b", r"\bnot relevant\b", r"\bisn'?t (?:relevant|a priority)",
    r"\bnot (?:a )?priority\b", r"\bnot (?:right )?now\b", r"\bnot at (?:this|the) (?:time|moment)",
    r"\b(?:we're|we are) (?:all )?set\b", r"\bhappy with (?:our|the) current\b",
    r"\balready (?:have|use|using|work with|signed)\b", r"\bsigned with\b", r"\bin-?house\b",
    r"\bno (?:need|budget|plans)\b", r"\bdon'?t have (?:the )?budget\b", r"\bnot looking\b",
    r"\bnot considering\b", r"\bwe'?ll pass\b", r"^\s*pass\s*[.!]*\s*$", r"\bnope\b",
    r"^\s*no\s*[.!]*\s*$", r"\btoo small\b", r"\bnot for us\b", r"\bdecline\b",
    r"\btiming doesn'?t work\b", r"\bnot revisit\b", r"\bnot looking to\b", r"\bno plans\b",
    r"не интересн", r"неинтересн", r"не интересу", r"не актуал", r"неактуал",
    r"разработан\w* (?:внутри|своими|самостоятельно)", r"своими силами", r"не нужн", r"не подходит",
    r"нам это не", r"уже (?:есть|используем|работаем|пользуемся)", r"не планируем",
    r"не рассматрива", r"откаж", r"не предусмотрен", r"^\s*нет\b", r"но нет\b", r"не до этого",
    r"не работаем с", r"преждевременн", r"не ведем",
)
_GENERIC_MAILBOXES = re.compile(r"^(?:info|office|contact|hello|mail|admin|support|help|"
                                r"reception|general)@", re.IGNORECASE)


@dataclass(frozen=True)
class RuleVerdict:
    label: str
    confidence: float
    reason: str
    referral: dict | None = None


def classify_text(text: str, subject: str = "") -> RuleVerdict:
    """The label the rules give an extracted reply (quotes and signature already removed)."""
    body = " ".join(text.split()) if text else ""
    if not body:
        return RuleVerdict("negative", 0.2, "empty reply")
    hits = {name: bool(pattern.search(text)) for name, pattern in (
        ("unsubscribe", UNSUBSCRIBE), ("ooo", OUT_OF_OFFICE), ("referral", REFERRAL_STRONG),
        ("referral_weak", REFERRAL_WEAK), ("info", INFO_REQUEST), ("positive", POSITIVE_STRONG),
        ("positive_weak", POSITIVE_WEAK), ("negative", NEGATIVE), ("left", LEFT_COMPANY))}
    referral = extract_referral(text)
    if hits["unsubscribe"]:
        return RuleVerdict("unsubscribe", 0.92, "asks to stop or be removed")
    intents = hits["info"] or hits["positive"] or hits["negative"]
    if hits["ooo"] and not intents and not (hits["referral"] and hits["left"]):
        return RuleVerdict("out_of_office", 0.8, "absence notice without headers")
    if (hits["referral"] or hits["left"]) and (referral or hits["referral"]) and \
            not hits["positive"]:
        return RuleVerdict("referral", 0.85 if referral else 0.7, "points to someone else",
                           referral)
    if hits["negative"] and hits["info"]:
        return RuleVerdict("info_request", 0.8, "declines but asks for information")
    if hits["positive"]:
        return RuleVerdict("positive", 0.85, "wants to talk or is interested")
    if hits["referral_weak"] and referral:
        return RuleVerdict("referral", 0.65, "copies in a colleague", referral)
    if hits["info"]:
        return RuleVerdict("info_request", 0.8, "asks for information")
    if hits["negative"]:
        return RuleVerdict("negative", 0.85, "declines")
    if hits["positive_weak"]:
        return RuleVerdict("positive", 0.65, "agrees")
    if QUESTION.search(text):
        return RuleVerdict("info_request", 0.45, "a question, no known intent")
    return RuleVerdict("positive", 0.3, "no known intent")


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_NAME_EN = re.compile(r"\b([A-Z][a-z]+(?: [A-Z][a-z'-]+){1,2})\b")
_NAME_RU = re.compile(r"\b([А-ЯЁ][а-яё]+(?: [А-ЯЁ][а-яё]+)?)\b")
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|dear|добрый день|здравствуйте|привет)?,?\s*"
                       r"[A-ZА-ЯЁ][a-zа-яё]+\s*[,!-]", re.IGNORECASE)
_NOT_NAMES = re.compile(
    r"^(?:Hi|Hello|Hey|Dear|Thanks|Thank|Best|Regards|Please|Head|Sent|The|This|Our|My|IT|"
    r"Добрый|Здравствуйте|Спасибо|Привет|Коллеги|Уважаем\w*|Прошу|Данное|Этим|Вам|Напишите|"
    r"Обратитесь|Переслал\w*|Добавил|Телефон|Я|Это|Пожалуйста|По|Все|Мой|Моя)(?: |$)")


def extract_referral(text: str, exclude: tuple[str, ...] = ()) -> dict | None:
    """{"name", "email"} of the person a reply points to, when it names one."""
    emails = [e.rstrip(".").lower() for e in _EMAIL.findall(text or "")]
    emails = [e for e in emails if e not in exclude]
    strong = REFERRAL_STRONG.search(text or "") or REFERRAL_WEAK.search(text or "") or \
        LEFT_COMPANY.search(text or "")
    if not emails and not strong:
        return None
    start = strong.start() if strong else 0
    # The greeting names us ("Anna, good morning"), not the colleague.
    window = _GREETING.sub(" ", (text or "")[max(0, start - 80): start + 200])
    names = [n for n in _NAME_EN.findall(window) + _NAME_RU.findall(window)
             if not _NOT_NAMES.match(n)]
    name = names[0] if names else None
    email = emails[0] if emails else None
    if email is None and name is None:
        return None
    return {"name": name, "email": email}


_AUTO_SUBJECT = re.compile(r"^(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response)|auto:|"
                           r"out of (?:the )?office|ooo\b|autoreply|абсент|автоматический ответ|"
                           r"автоответ|abwesenheitsnotiz|réponse automatique|respuesta automática)",
                           re.IGNORECASE)


def looks_automatic(msg: Message) -> str | None:
    """Why a message is an autoresponse (RFC 3834 and vendor headers, auto-reply subjects)."""
    auto_submitted = header_text(msg, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Yandex-Autoreply",
                 "X-Mailru-Autoreply", "X-Autoresponder"):
        value = header_text(msg, name).lower()
        if value and value not in ("no", "0", "false"):
            return f"{name}: {value}"
    precedence = header_text(msg, "Precedence").lower()
    if precedence == "auto_reply":
        return "Precedence: auto_reply"
    subject = header_text(msg, "Subject")
    if _AUTO_SUBJECT.match(subject):
        return f"subject: {subject[:40]}"
    if precedence in ("bulk", "junk") and OUT_OF_OFFICE.search(subject):
        return f"Precedence: {precedence}"
    return None


def is_generic_mailbox(address: str | None) -> bool:
    return bool(address and _GENERIC_MAILBOXES.match(address))
