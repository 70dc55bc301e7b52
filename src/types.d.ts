declare module '*.sql' {
  const text: string;
  export default text;
}

/** Font files bundled as data modules (wrangler rule "Data" for *.ttf). */
declare module '*.ttf' {
  const data: ArrayBuffer;
  export default data;
}
