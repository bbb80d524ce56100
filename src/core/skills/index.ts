/**
 * Which installed skills may help with a stage: a keyword index over each skill's name and
 * description, scored against the stage's name, description, files and acceptance commands.
 * Pure; the skills are read by src/adapters/library/skills.ts.
 *
 * Scoring: each word the stage and a skill share counts its inverse document frequency over
 * the installed skills (a word most skills use says little), three times over when it is part
 * of the skill's name. A file's extension or name stands for its language or tool (`.ts` →
 * typescript, `Dockerfile` → docker). At most `max` skills, only those at or above `minScore`:
 * one rare shared word, or a common one in the skill's name.
 */

export interface SkillInfo {
  name: string;
  description: string;
  /** Absolute path of its SKILL.md. */
  file: string;
}

export interface StageText {
  name: string;
  description: string;
  files: readonly string[];
  acceptance: readonly string[];
}

export interface SkillRecommendation extends SkillInfo {
  score: number;
  /** The shared words, best first. */
  matched: string[];
}

export interface RecommendOptions {
  /** Default 5. */
  max?: number;
  /** Default 3.5. */
  minScore?: number;
}

export const MAX_RECOMMENDED_SKILLS = 5;
const MIN_SCORE = 3.5;
const NAME_WEIGHT = 3;

const STOPWORDS = new Set(
  (
    "a an and any are as at be before by can do does each for from has have how if in into is it " +
    "its like more new not of on one or other out over should so such than that the their them " +
    "then these this those to up use used uses using via was what when where which while who " +
    "will with without you your add adding change changes changing make making write writing " +
    "review reviewing build building work working file files code stage test tests check checks " +
    "every all run runs issue issues fix fixes npm need needs want help"
  ).split(" "),
);

/** File names and extensions, as the words skills use for them. */
const FILE_WORDS: Record<string, string[]> = {
  ts: ["typescript"],
  tsx: ["typescript", "react"],
  mts: ["typescript"],
  cts: ["typescript"],
  jsx: ["react"],
  py: ["python"],
  rs: ["rust"],
  go: ["golang"],
  tf: ["terraform"],
  sql: ["sql", "database"],
  proto: ["grpc", "api"],
  md: ["documentation"],
  mdx: ["documentation"],
  dockerfile: ["docker"],
  "docker-compose": ["docker"],
  compose: ["docker"],
  "go.mod": ["golang"],
  "cargo.toml": ["rust"],
  "pyproject.toml": ["python"],
  kustomization: ["kustomize", "kubernetes"],
  chart: ["kubernetes"],
  workflows: ["ci"],
  migrations: ["migration", "database"],
};

/** Lowercase words of a text, without stopwords, with a light plural/verb stemming. */
export function keywords(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(/[^a-z0-9+#]+/)) {
    const word = stem(raw);
    if (word.length < 2 || STOPWORDS.has(word) || /^\d+$/.test(word)) continue;
    out.push(word);
  }
  return out;
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us"))
    return word.slice(0, -1);
  return word;
}

/** The words a path stands for: its segments, and what its name or extension says. */
export function fileKeywords(file: string): string[] {
  const words = keywords(file.replace(/\*+/g, " "));
  const base = file.split("/").filter((s) => s !== "" && !s.includes("*"));
  for (const segment of base) {
    const lower = segment.toLowerCase();
    const ext = lower.includes(".") ? lower.slice(lower.lastIndexOf(".") + 1) : "";
    const stemName = lower.replace(/\.[^.]*$/, "");
    for (const key of [lower, stemName, ext]) words.push(...(FILE_WORDS[key] ?? []));
  }
  // A glob's extension (`src/**/*.ts`) speaks too.
  const globExt = /\*\.([a-z0-9]+)$/i.exec(file)?.[1]?.toLowerCase();
  if (globExt !== undefined) words.push(...(FILE_WORDS[globExt] ?? []));
  return words;
}

export function stageKeywords(stage: StageText): Set<string> {
  return new Set([
    ...keywords(stage.name),
    ...keywords(stage.description),
    ...stage.files.flatMap(fileKeywords),
    ...stage.acceptance.flatMap(keywords),
  ]);
}

/** Skills ranked for a stage: best first, ties by name. */
export function recommendSkills(
  skills: readonly SkillInfo[],
  stage: StageText,
  options: RecommendOptions = {},
): SkillRecommendation[] {
  if (skills.length === 0) return [];
  const wanted = stageKeywords(stage);
  const indexed = skills.map((skill) => ({
    skill,
    name: new Set(keywords(skill.name.replace(/-/g, " "))),
    words: new Set([...keywords(skill.name.replace(/-/g, " ")), ...keywords(skill.description)]),
  }));
  const df = new Map<string, number>();
  for (const { words } of indexed) for (const w of words) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = (w: string) => Math.log(1 + skills.length / (df.get(w) ?? skills.length));
  const scored: SkillRecommendation[] = [];
  for (const { skill, name, words } of indexed) {
    const matched = [...wanted].filter((w) => words.has(w));
    const weight = (w: string) => idf(w) * (name.has(w) ? NAME_WEIGHT : 1);
    const score = matched.reduce((sum, w) => sum + weight(w), 0);
    if (score < (options.minScore ?? MIN_SCORE)) continue;
    matched.sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
    scored.push({ ...skill, score: Math.round(score * 100) / 100, matched });
  }
  scored.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  return scored.slice(0, options.max ?? MAX_RECOMMENDED_SKILLS);
}
