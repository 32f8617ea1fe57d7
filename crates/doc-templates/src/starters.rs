//! Starter templates a practice can copy and adapt.

/// A starter template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Starter {
    /// Stable key (`retainer_agreement`).
    pub key: &'static str,
    /// Title shown to administrators.
    pub title: &'static str,
    /// The template.
    pub source: &'static str,
}

/// The starter templates: a retainer agreement, a cover letter and a
/// document checklist.
pub fn starters() -> Vec<Starter> {
    vec![
        Starter {
            key: "retainer_agreement",
            title: "Retainer agreement",
            source: RETAINER,
        },
        Starter {
            key: "cover_letter",
            title: "Cover letter",
            source: COVER_LETTER,
        },
        Starter {
            key: "document_checklist",
            title: "Document checklist",
            source: CHECKLIST,
        },
    ]
}

const RETAINER: &str = r##"// Style: page, fonts and headings.
#set document(title: [Retainer agreement — {{applicant.full_name}}])
#set page(
  paper: "us-letter",
  margin: (x: 2.3cm, top: 2cm, bottom: 2.4cm),
  footer: context [
    #set text(size: 8pt, fill: luma(100))
    Retainer agreement · {{applicant.full_name}} · file {{case.folio}}
    #h(1fr)
    Page #counter(page).display() of #counter(page).final().first()
  ],
)
#set text(font: "Libertinus Serif", size: 11pt, lang: "en")
#set par(justify: true, leading: 0.62em, spacing: 0.9em)
#show heading: set text(font: "Liberation Sans")
#show heading.where(level: 1): set text(size: 16pt)
#show heading.where(level: 2): it => block(above: 1.3em, below: 0.6em,
  text(size: 10.5pt, weight: "bold", upper(it.body)))

#letterhead()

= Retainer agreement

#grid(
  columns: (auto, 1fr),
  column-gutter: 1.2em,
  row-gutter: 0.5em,
  [*Client*], [{{applicant.full_name}}, born {{applicant.date_of_birth}}],
  [*Address*], [{{applicant.address}}],
  [*File*], [{{case.folio}} — {{case.program}}],
  [*Consultant*], [{{case.responsible_name}}, {{practice.name}}],
  [*Date*], [{{today}}],
)

== 1. Services

{{practice.name}} ("the Practice") agrees to represent {{applicant.full_name}} ("the Client") in preparing and submitting an application under the {{case.program}} program. The services include an assessment of eligibility, advice on the documents required, review of the documents the Client provides, preparation of the forms, submission of the application, and correspondence with the immigration authorities until a decision is made.

The services do not include appeals, judicial reviews, new applications after a refusal, or translations, unless agreed in writing.

== 2. The Client's responsibilities

The Client will provide complete, truthful and accurate information and documents, inform the Practice promptly of any change in circumstances (address, marital status, employment, travel, passport), and respond to requests within the deadlines given. The Practice is not responsible for delays or refusals caused by incomplete or inaccurate information.

== 3. Fees and payment

Professional fees are payable in instalments as set out in the invoice attached to this agreement. Government processing fees, biometrics fees, medical examinations, police certificates and translations are paid by the Client in addition to the professional fees. Fees are not contingent on the outcome of the application.

== 4. Refunds

If the Client ends this agreement before the application is submitted, the Practice will refund the professional fees paid less the value of the work done to date. Once the application is submitted, professional fees are not refundable. Government fees are refunded only as the government refunds them.

== 5. Confidentiality

The Practice keeps the Client's information confidential and uses it only to provide the services, except where disclosure is required by law or authorised by the Client. Files are kept for the period required by the regulator.

== 6. Communication

The Practice will write to the Client at {{applicant.email}} and call {{applicant.phone}}. The Client's preferred language is {{applicant.preferred_language}}.

== 7. Ending this agreement

Either party may end this agreement by written notice. The Practice may end it if the Client asks the Practice to act dishonestly, does not pay fees when due, or does not provide the information required.

== 8. Complaints

A complaint about the services may be made first to the Practice in writing. If it is not resolved, the Client may contact the regulator of the profession.

#v(2em)
#grid(
  columns: (1fr, 1fr),
  column-gutter: 2.5em,
  row-gutter: 0.4em,
  line(length: 100%, stroke: 0.5pt), line(length: 100%, stroke: 0.5pt),
  [{{applicant.full_name}}, Client], [{{case.responsible_name}}, for {{practice.name}}],
  [Date:], [Date:],
)
"##;

const COVER_LETTER: &str = r##"// Style: a plain business letter in a sans-serif face.
#set page(paper: "us-letter", margin: (x: 2.5cm, top: 2cm, bottom: 2.5cm))
#set text(font: "Liberation Sans", size: 10.5pt, lang: "en")
#set par(justify: false, leading: 0.65em, spacing: 1.1em)
#show strong: set text(fill: rgb("#1f3a5f"))
#show list: set block(spacing: 0.8em)

#letterhead()

{{today}}

Immigration, Refugees and Citizenship Canada \
Case Processing Centre

#v(0.5em)
*Re: {{case.program}} application for {{applicant.full_name}}* \
Date of birth: {{applicant.date_of_birth}} · Passport: {{applicant.passport_number}} ({{applicant.passport_country}}) · Our file: {{case.folio}}

Dear Officer,

We represent {{applicant.full_name}}, a citizen of {{applicant.citizenship}}, in the enclosed application under the {{case.program}} program. A signed use of representative form is included.

The application contains the forms required for this program, completed and signed, together with the supporting documents listed in the enclosed checklist. Each document is labelled and presented in the order of the checklist. Documents in a language other than English or French are accompanied by certified translations and the translators' affidavits.

In summary, the enclosed documents show that the applicant:

- holds a valid passport, issued by {{applicant.passport_country}} and valid until {{applicant.passport_expiry}};
- meets the program's requirements of work experience, language ability and education, as shown by the enclosed reference letters, test results and credential assessment;
- has the settlement funds required, as shown by the enclosed bank statements;
- and has no criminal or medical inadmissibility, as shown by the police certificates and the medical examination confirmation.

Should you require any further information or documents, please contact the undersigned at {{user.email}} or {{practice.phone}}, quoting our file number {{case.folio}}.

Yours truly,

#v(2.5em)
{{user.name}} \
{{practice.name}}

#v(1fr)
#text(size: 9pt, fill: luma(90))[Enclosures: application forms, supporting documents as per checklist, proof of payment of fees.]
"##;

const CHECKLIST: &str = r##"// Style: a compact checklist with a box before each item.
#set page(paper: "us-letter", margin: (x: 2.2cm, y: 2cm),
  header: context if counter(page).get().first() > 1 [
    #set text(size: 8pt, fill: luma(100))
    Document checklist · {{applicant.full_name}} #h(1fr) file {{case.folio}}
  ])
#set text(font: "Liberation Sans", size: 10pt, lang: "en")
#set par(leading: 0.55em)
#show heading.where(level: 1): set text(size: 15pt)
#show heading.where(level: 2): it => block(above: 1.2em, below: 0.6em, width: 100%,
  fill: luma(235), inset: (x: 6pt, y: 4pt), text(size: 10.5pt, it.body))
#set list(marker: box(width: 0.75em, height: 0.75em, stroke: 0.6pt, baseline: 0.05em),
  body-indent: 0.6em, spacing: 0.75em)

#letterhead()

= Document checklist: {{case.program}}

Prepared for *{{applicant.full_name}}* on {{today}} by {{user.name}}. Please send each document as a separate PDF file, named as shown in brackets, to {{practice.email}}. Documents not in English or French must be sent with a certified translation.

== Identity and civil status

- Passport: every page, including blank pages (passport.pdf). Valid until {{applicant.passport_expiry}}; tell us if it expires within the next twelve months.
- Birth certificate (birth.pdf).
- Marriage certificate, divorce certificate or death certificate of a former spouse, if any (civil-status.pdf).
- National identity card, if {{applicant.citizenship}} issues one (national-id.pdf).
- Two photographs meeting the photo specifications, taken within the last six months.

== Education

- Diplomas and degrees, with transcripts (education.pdf).
- Educational credential assessment report, if the program requires one (eca.pdf).

== Work experience

- Reference letters from each employer, on letterhead, with dates, hours per week, salary and duties (reference-employer.pdf).
- Employment contracts and recent pay slips (employment.pdf).
- Tax documents for the years of work claimed (tax.pdf).

== Language

- Language test results, less than two years old (language.pdf).

== Funds

- Bank statements for the last six months, with the bank's stamp or letter (funds.pdf).
- Proof of investments or property, if any (assets.pdf).

== Background

- Police certificates from every country where you lived six months or more since age 18 (police-country.pdf).
- Upfront medical examination confirmation, if requested (medical.pdf).

== Forms to sign

- Use of representative form: we will send it to you for signature.
- Application forms: we prepare them; you review and sign them.

#v(1.5em)
#block(stroke: 0.5pt + luma(150), inset: 8pt, width: 100%)[
  Questions about this list: {{case.responsible_name}}, {{practice.phone}}, {{practice.email}}. Current stage of your file: {{case.stage}}.
]
"##;
