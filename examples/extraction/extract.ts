import { z } from 'zod'

/** The contact card extracted from an email signature. Fields the text does not state are null. */
export const ContactSchema = z
  .object({
    name: z.string().min(1).nullable(),
    title: z.string().min(1).nullable(),
    company: z.string().min(1).nullable(),
    email: z.string().email().nullable(),
    /** E.164: `+` then country code and number, digits only; US/Canada numbers without a code get +1. */
    phone: z
      .string()
      .regex(/^\+\d{7,15}$/)
      .nullable(),
    website: z.string().min(1).nullable(),
  })
  .strict()
export type Contact = z.infer<typeof ContactSchema>

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/
// A run of digits with the usual separators, optionally preceded by + or a leading `1-`.
const PHONE = /(\+?\d[\d\s().-]{6,}\d)/
const WEBSITE = /\b(?:https?:\/\/)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:\/\S*)?/i
const SOCIAL_HOSTS = /(?:linkedin|twitter|x|github|instagram|facebook)\.com\//i

const SIGN_OFF =
  /^(?:--|best|best regards|kind regards|warm regards|regards|cheers|thanks|thanks so much|thank you|sincerely|cordialement|mit freundlichen grüßen|un saludo|sent from my \w+)[\s!,.]*$/i
const DISCLAIMER = /^(?:confidentiality notice|disclaimer|this email)/i
// A label only counts when a number follows it, so "Marketing" or "Partner" are not read as "M:"/"P:".
const PHONE_LABEL = /^(?:tel|phone|m|mobile|cell|office|desk|t|p|direct)\.?\s*:?\s*(?=[+(\d])/i

const COMPANY_SUFFIX =
  /\b(?:inc\.?|llc|llp|ltd\.?|gmbh|corp\.?|co\.|s\.?a\.?s?|s\.l\.|k\.k\.|ab|pty ltd|pvt\.? ltd\.?|group|labs|studio|partners|holdings|foundation|software|networks|games|health|analytics|logistics|learning|apps|cloud|hospital|university(?: of \w+)?|instruments|outdoor|creative|retail|energy|fintech|tecnología|robotics)\b/i
const TITLE_WORDS =
  /\b(?:engineer|manager|director|directrice|head|lead|vp|chief|officer|founder|ceo|cto|cfo|designer|analyst|researcher|executive|coordinator|partner|advocate|consultant|illustrator|educator|candidate|leiterin|leiter|ingeniero|specialist|architect|developer|intern)\b/i

/** Extracts a contact card from a free-text email signature. Pure, regex-based, no network. */
export function extractContact(text: string): Contact {
  const email = text.match(EMAIL)?.[0].toLowerCase() ?? null
  const phone = findPhone(text)
  const website = findWebsite(text)

  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !SIGN_OFF.test(line))
  const disclaimerAt = lines.findIndex((line) => DISCLAIMER.test(line))
  const body = disclaimerAt === -1 ? lines : lines.slice(0, disclaimerAt)

  let name: string | null = null
  let title: string | null = null
  let company: string | null = null
  for (const line of body) {
    // One line may hold several fields: "Tom Becker | Head of Sales | Larkspur Logistics".
    const segments = line
      .split(/\s+[|—–]\s+|\s+@\s+|\s+at\s+/)
      .map((segment) => segment.trim())
      .filter((segment) => segment.length > 0 && !isContactDetail(segment))
    let previousWasTitle = false
    for (const segment of segments) {
      const parts = splitOnComma(segment)
      if (!title && TITLE_WORDS.test(parts.title)) {
        title = parts.title
        if (parts.before && !name && looksLikeName(parts.before)) name = cleanName(parts.before)
        if (parts.company && !company) company = parts.company
        previousWasTitle = true
        continue
      }
      // A segment right after the title on the same line is the employer ("Engineer at Quillstone").
      if (!company && (COMPANY_SUFFIX.test(segment) || (previousWasTitle && name))) {
        company = segment
      } else if (!name && looksLikeName(segment)) {
        name = cleanName(segment)
      }
      previousWasTitle = false
    }
  }
  return { name, title, company, email, phone, website }
}

function isContactDetail(segment: string): boolean {
  return EMAIL.test(segment) || PHONE_LABEL.test(segment) || /^[+(\d]/.test(segment) || isWebsite(segment)
}

function isWebsite(segment: string): boolean {
  return !/\s/.test(segment) && WEBSITE.test(segment)
}

/**
 * Reads a comma inside a segment: "Data Engineer, Fenwick & Reed Ltd" is title + company,
 * "Rachel Kim, Account Executive" is name + title; otherwise the comma belongs to the title.
 */
function splitOnComma(segment: string): { before: string | null; title: string; company: string | null } {
  const comma = segment.indexOf(', ')
  if (comma === -1) return { before: null, title: segment, company: null }
  const head = segment.slice(0, comma)
  const tail = segment.slice(comma + 2)
  if (!TITLE_WORDS.test(head) && TITLE_WORDS.test(tail)) return { before: head, title: tail, company: null }
  if (COMPANY_SUFFIX.test(tail) || !TITLE_WORDS.test(tail))
    return { before: null, title: head, company: tail }
  return { before: null, title: segment, company: null }
}

function looksLikeName(segment: string): boolean {
  const words = cleanName(segment).split(/\s+/)
  if (words.length > 5 || /\d|@/.test(segment)) return false
  return words.some((word) => /^\p{Lu}/u.test(word))
}

/** Drops honorifics, pronouns and post-nominal credentials; title-cases ALL-CAPS names. */
function cleanName(segment: string): string {
  const name = segment
    .replace(/^(?:dr|mr|mrs|ms|prof)\.?\s+/i, '')
    .replace(/\s*\([^)]*\)\s*/g, ' ')
    .replace(/,\s*[A-Z]{2,4}$/, '')
    .trim()
  if (name === name.toUpperCase()) {
    return name
      .toLowerCase()
      .replace(/(^|[\s-])(\p{L})/gu, (_, sep: string, ch: string) => sep + ch.toUpperCase())
  }
  return name
}

function findPhone(text: string): string | null {
  for (const line of text.split('\n')) {
    const match = line.replace(PHONE_LABEL, '').match(PHONE)
    if (!match) continue
    const raw = match[1]!.replace(/\s*(?:ext\.?|x)\s*\d+$/i, '')
    const digits = raw.replace(/\D/g, '')
    if (digits.length < 7) continue
    if (raw.trimStart().startsWith('+')) return `+${digits}`
    if (digits.length === 10) return `+1${digits}`
    if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`
    return `+${digits}`
  }
  return null
}

function findWebsite(text: string): string | null {
  for (const token of text.split(/[\s|]+/)) {
    if (EMAIL.test(token) || SOCIAL_HOSTS.test(token)) continue
    const match = token.match(WEBSITE)
    if (match && match[0] === token.replace(/[.,;)]+$/, '')) return match[0]
  }
  return null
}
